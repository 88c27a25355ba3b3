/**
 * npm run driver -- show NAME | check FILE...: drivers as data (docs/design.md §3.4). `show` prints
 * a preset in the driver file format (the usual way to start one's own: copy a preset, change
 * it); `check` validates driver files and lists every problem.
 */
import { driverFileWarnings, fromDriverDef } from '../engine/driver-format.ts';
import { escapeText } from '../report/escape.ts';
import { presets } from '../model/index.ts';
import { checkNames, driversArg, EXIT, fail, isEntry, main, parse, type Command } from './cli.ts';

const HELP = `usage: npm run driver -- show NAME
       npm run driver -- check FILE.json [FILE.json ...]

show   print the preset NAME as a driver file (format mmu-notifier-checker/driver@1)
check  validate driver files: every problem, with its file and path. Errors (exit 2):
       unknown keys or instructions, undeclared locks and counters, a jump to a missing
       label, a label defined twice, a program that can run past its end, a return value
       its callback cannot return (invalidate_range_start: 0 or -11 for -EAGAIN; an interval
       invalidate returns bool: 0 for true, -11 for false; invalidate_range_end and release
       return void: 0). Warnings (printed, exit 0): a label nothing jumps to, instructions
       no path from the program's start reaches.

Presets: ${Object.keys(presets).slice(0, 7).join(', ')},
  ${Object.keys(presets).slice(7).join(', ')}
Use a driver file with: npm run check -- --driver FILE.json --notifiers kvm,NAME

exit: 0 ok (warnings, if any, on stderr), 2 bad input
`;

export const driverCommand: Command = (argv, io) => {
  const { values: v, positionals } = parse(argv, { help: { type: 'boolean', short: 'h' } }, true);
  if (v.help) {
    io.stdout.write(HELP);
    return EXIT.ok;
  }
  const [verb, ...rest] = positionals;
  if (verb === 'show') {
    if (rest.length !== 1) fail(`show takes exactly one preset name (got ${rest.length})`);
    checkNames('preset', rest, Object.keys(presets));
    io.stdout.write(`${JSON.stringify(fromDriverDef(presets[rest[0]]), null, 2)}\n`);
    return EXIT.ok;
  }
  if (verb === 'check') {
    if (rest.length === 0) fail('check takes one or more driver files');
    const ok = driversArg(rest);
    // Errors refuse the file (exit 2, above); warnings are printed and the file is valid (exit 0).
    ok.forEach((d, k) => {
      const warnings = driverFileWarnings(d);
      for (const w of warnings) io.stderr.write(`warning: ${escapeText(`${rest[k]}: ${w}`)}\n`);
      io.stdout.write(`${d.driver}: ok${warnings.length ? ` (${warnings.length} warning${warnings.length > 1 ? 's' : ''})` : ''}\n`);
    });
    return EXIT.ok;
  }
  return fail(verb === undefined ? 'give a verb: show NAME or check FILE...' : `unknown verb '${verb}' (valid: show, check)`);
};

if (isEntry(import.meta.url)) main(driverCommand);
