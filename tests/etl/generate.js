// Writes skeleton notebooks for the pytest harness: node generate.js <compiled dir> < [{spec, path, name}]
const fs = require('fs');
const { buildSkeleton } = require(
  require('path').resolve(process.argv[2], 'skeleton.js')
);
const jobs = JSON.parse(fs.readFileSync(0, 'utf8'));
for (const job of jobs) {
  const nb = buildSkeleton(job.spec, job.name);
  nb.cells = nb.cells.map(cell => ({ ...cell, source: cell.source }));
  fs.writeFileSync(job.path, JSON.stringify(nb, null, 1));
}
