/** The message that command sends: the install goes through the usual install_packages approval. */
export function installPackageRequest(
  packageName: string,
  notebookPath?: string
): string {
  const where = notebookPath ? ` of ${notebookPath}` : '';
  return (
    `The query verifier needs the Python package ${packageName} in the kernel${where}. ` +
    `Install it with install_packages (packages: ["${packageName}"]${notebookPath ? `, notebook_path: "${notebookPath}"` : ''}), ` +
    'then call verify_query_rewrite again with the same rewrite and report the new verdict.'
  );
}
