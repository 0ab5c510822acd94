/**
 * Runs a command-line entry point and exits with its code; an uncaught error prints its message only (no stack,
 * which may hold connection strings) and exits 1.
 */
export function runCli(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
