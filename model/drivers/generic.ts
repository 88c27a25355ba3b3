/**
 * The generic driver (docs/design.md §3.4): a driver that does not exist yet, described by knobs.
 * It follows the shapes of docs/kernel.md §2.4–§2.5: a counter of open sections, an optional lock
 * held across the window, a non-blocking policy, and a seq-retry fault path.
 */
import { C, EAGAIN, I, intervalFault, program, type ProgramSource } from '../program.ts';
import type { DriverDef, GenericKnobs } from '../types.ts';

export const DEFAULT_GENERIC_KNOBS: GenericKnobs = {
  hasEnd: true,
  nonblockStart: 'trylock',
  onFailedStart: 'self-undo',
  countsInStart: true,
  holdsLockAcrossWindow: false,
  allocatesUnderLock: false,
  faultPath: 'seq-retry',
};

export const genericDriver = (k: GenericKnobs): DriverDef => {
  // Held across the window ⇒ the start side takes it for read, as ODP/amdgpu did (§2.4).
  const mode = k.holdsLockAcrossWindow ? 'read' : 'write';
  const acquire: ProgramSource =
    k.nonblockStart === 'trylock' ? [I.nbTrylock('lock', mode, 'eagain')]
    : k.nonblockStart === 'always-eagain' ? [I.jump('eagain', C.nonblockable), I.lock('lock', mode)]
    : [I.lock('lock', mode)]; // 'never-fails' spins, 'sleeps' sleeps even when non-blockable
  const counts = k.countsInStart;
  const start = program([
    ...(counts ? [I.inc('count')] : []), // counted before the lock, as HMM did (§6.3)
    ...acquire,
    I.zap,
    ...(k.holdsLockAcrossWindow ? [] : [I.unlock('lock', mode)]),
    I.ret(0),
    ':eagain',
    ...(counts && k.onFailedStart === 'self-undo' ? [I.dec('count')] : []),
    I.ret(EAGAIN),
  ]);
  const end = k.hasEnd
    ? program([
        ...(k.holdsLockAcrossWindow ? [I.unlock('lock', 'read')] : []),
        ...(counts ? [I.inc('seq'), I.dec('count')] : []),
        I.ret(0),
      ])
    : null;
  const fault =
    k.faultPath === 'none'
      ? null
      : program([
          ':retry',
          I.snapshot('seq', 'snap'),
          I.gup,
          I.lock('lock', 'write'),
          I.jump('busy', C.any(C.nonzero('count'), C.changed('seq', 'snap'))),
          I.install,
          I.unlock('lock', 'write'),
          I.ret(0),
          ':busy',
          I.unlock('lock', 'write'),
          I.retry('retry'),
        ]);
  return {
    driver: 'generic',
    era: 'hypothetical',
    domainRef: 'docs/design.md §3.4; docs/kernel.md §2.4–§2.5',
    summary: `generic ${JSON.stringify(k)}`,
    locks: { lock: k.nonblockStart === 'never-fails' ? 'spinlock' : k.holdsLockAcrossWindow ? 'rwsem' : 'mutex' },
    counters: { count: { balanced: true }, seq: { balanced: false } },
    hlist: { invalidate_range_start: start, invalidate_range_end: end, fault },
    interval: {
      invalidate: program([
        ...(k.nonblockStart === 'trylock' ? [I.nbTrylock('lock', 'write', 'fail')]
          : k.nonblockStart === 'always-eagain' ? [I.jump('fail', C.nonblockable), I.lock('lock')]
          : [I.lock('lock')]),
        I.setSeq,
        I.zap,
        I.unlock('lock'),
        I.ret(0),
        ':fail',
        I.ret(EAGAIN),
      ]),
      fault:
        k.faultPath === 'none'
          ? null
          : intervalFault('lock'),
    },
    ioctl: program([
      I.lock('lock', 'write'),
      ...(k.allocatesUnderLock ? [I.alloc] : []),
      I.unlock('lock', 'write'),
      I.ret(0),
    ]),
  };
};
