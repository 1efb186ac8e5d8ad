// How a bench or recording script ends: exit 0 when `main` resolves, the stack and exit 1 when it throws.
export function runScript(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`${(error as Error).stack}\n`);
      process.exit(1);
    },
  );
}
