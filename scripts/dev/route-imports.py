#!/usr/bin/env python3
"""Route imports that cross into a feature folder through the feature's index.ts.

For every `importer -> internal` pair that `node scripts/check-feature-boundaries.mjs --list`
prints, the named imports are rewritten to import from the feature's index, and the index
gains the re-exports it lacks (types as `export type`, decided from the source module's
declarations). Default and namespace imports are left for a person to move.

    python3 scripts/dev/route-imports.py            # rewrite, then re-run the check
"""
import os
import re
import subprocess
import sys

ROOT = subprocess.check_output(['git', 'rev-parse', '--show-toplevel'], text=True).strip()
os.chdir(ROOT)
pairs = [line.split(' -> ') for line in subprocess.check_output(
    ['node', 'scripts/check-feature-boundaries.mjs', '--list'], text=True).splitlines() if ' -> ' in line]

IMPORT = re.compile(r"import\s+(type\s+)?\{([^}]*)\}\s+from\s+'([^']+)';\n")


def feature_of(path):
    parts = path.split('/')
    return '/'.join(parts[:2])  # src/<feature>


def is_type(module_path, name):
    text = open(module_path).read()
    if re.search(r'export\s+(declare\s+)?(interface|type)\s+' + re.escape(name) + r'\b', text):
        return True
    m = re.search(r'export\s+type\s+\{([^}]*)\}', text)
    return bool(m and re.search(r'\b' + re.escape(name) + r'\b', m.group(1)))


def resolve(importer, spec):
    base = os.path.normpath(os.path.join(os.path.dirname(importer), spec))
    for ext in ('', '.ts', '.tsx', '/index.ts', '/index.tsx'):
        if os.path.isfile(base + ext):
            return base + ext
    return None


exports = {}  # index path -> list of (kind, names, from-spec)
changed = 0
for importer, internal in pairs:
    index = feature_of(internal) + '/index.ts'
    text = open(importer).read()

    def rewrite(m, importer=importer, internal=internal, index=index):
        global changed
        type_all, names, spec = m.group(1), m.group(2), m.group(3)
        if not spec.startswith('.') or resolve(importer, spec) != internal:
            return m.group(0)
        items = [n.strip() for n in names.split(',') if n.strip()]
        for item in items:
            name = item.replace('type ', '').split(' as ')[0].strip()
            typed = bool(type_all) or item.startswith('type ') or is_type(internal, name)
            rel = './' + os.path.relpath(internal, os.path.dirname(index)).rsplit('.', 1)[0]
            exports.setdefault(index, []).append(('type' if typed else 'value', name, rel))
        new_spec = os.path.relpath(os.path.dirname(index), os.path.dirname(importer))
        new_spec = new_spec if new_spec.startswith('.') else './' + new_spec
        changed += 1
        return m.group(0).replace(f"'{spec}'", f"'{new_spec}'")

    new = IMPORT.sub(rewrite, text)
    if new != text:
        open(importer, 'w').write(new)

for index, items in exports.items():
    current = open(index).read() if os.path.exists(index) else ''
    lines = []
    by = {}
    for kind, name, rel in items:
        if re.search(r'\b' + re.escape(name) + r'\b', current):
            continue
        by.setdefault((kind, rel), set()).add(name)
    for (kind, rel), names in sorted(by.items(), key=lambda x: (x[0][1], x[0][0])):
        prefix = 'export type' if kind == 'type' else 'export'
        lines.append(f"{prefix} {{ {', '.join(sorted(names))} }} from '{rel}';")
    if lines:
        header = '' if current else '/** The public entry of this feature: other folders import from here only. */\n'
        open(index, 'w').write(current + header + '\n'.join(lines) + '\n')
print(f'{changed} imports routed; indexes touched: {", ".join(sorted(exports))}', file=sys.stderr)
