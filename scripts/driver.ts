/**
 * npm run driver -- show NAME | check FILE...: drivers as data (docs/design.md §3.4). `show` prints
 * a preset in the driver file format (the usual way to start one's own: copy a preset, change
 * it); `check` validates driver files and lists every problem.
 */
import { fromDriverDef } from '../engine/driver-format.ts';
import { presets } from '../model/index.ts';
import { checkNames, driversArg, EXIT, fail, isEntry, main, parse, type Command } from './cli.ts';

const HELP = `usage: npm run driver -- show NAME
       npm run driver -- check FILE.json [FILE.json ...]

show   print the preset NAME as a driver file (format mmu-notifier-checker/driver@1)
check  validate driver files: every problem, with its file and path

Presets: ${Object.keys(presets).join(', ')}
Use a driver file with: npm run check -- --driver FILE.json --notifiers kvm,NAME

exit: 0 ok, 2 bad input
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
    for (const d of ok) io.stdout.write(`${d.driver}: ok\n`);
    return EXIT.ok;
  }
  return fail(verb === undefined ? 'give a verb: show NAME or check FILE...' : `unknown verb '${verb}' (valid: show, check)`);
};

if (isEntry(import.meta.url)) main(driverCommand);
