/** Running a command in this process, as its main runs it (properties/cli.test.ts, driver-asserts.test.ts). */
import { runCommand, type Command, type Io } from '../scripts/cli.ts';

/** Its exit code and what it wrote; no colour, no terminal. */
export const inProcess = async (cmd: Command, argv: readonly string[]): Promise<{ code: number; out: string; err: string }> => {
  let out = '';
  let err = '';
  const io: Io = { stdout: { write: (x: string) => (out += x) }, stderr: { write: (x: string) => (err += x) }, env: { NO_COLOR: '1' } };
  const code = await runCommand(cmd, argv, io);
  return { code, out, err };
};
