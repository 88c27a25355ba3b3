/**
 * A driver instruction as a trace shows it (the step's label, a WARN_ON's text): the C it stands
 * for, in the kernel's names (docs/design.md §3.4). Split from interpreter.ts, which runs them.
 */
import { retText, type Cond, type Instr, type LockMode } from './program.ts';
import type { Call } from './types.ts';

/** A lock instruction that only tries: a trylock, or a non-blocking trylock in a non-blockable call (interpreter.ts runs it so). */
export const tryOnly = (i: Extract<Instr, { op: 'lock' }>, c: Call): boolean => i.how === 'trylock' || (i.how === 'nbTrylock' && !c.blockable);

export const describeInstr = (c: Call, i: Instr): string => {
  switch (i.op) {
    case 'lock':
      return `${lockVerb(i.mode, tryOnly(i, c))}(${i.lock})`;
    case 'unlock':
      return `${i.mode === 'read' ? 'up_read' : 'unlock'}(${i.lock})`;
    case 'add':
      return `${i.counter}${i.delta > 0 ? '++' : '--'}`;
    case 'zap':
      return 'zap secondary mappings';
    case 'zapAll':
      return 'zap every secondary mapping';
    case 'intervalInsert':
      return 'mmu_interval_notifier_insert';
    case 'intervalRemove':
      return 'mmu_interval_notifier_remove';
    case 'snapshot':
      return `${i.into} = ${i.counter}`;
    case 'gup':
      return 'get_user_pages';
    case 'install':
      return 'install secondary mapping';
    case 'setSeq':
      return 'mmu_interval_set_seq';
    case 'readBegin':
      return 'mmu_interval_read_begin';
    case 'readRetry':
      return 'mmu_interval_read_retry';
    case 'alloc':
      return 'kmalloc(GFP_KERNEL)';
    case 'waitFence':
      return 'dma_fence_wait';
    case 'waitZero':
      return `wait_event(${i.counter} == 0)`;
    case 'jump':
      return i.if ? `if (${describeCond(i.if)})` : `goto ${i.to}`;
    case 'retry':
      return 'retry';
    case 'ret':
      return i.finish ? `*finish = &${c.sub}.finish; return true` : `return ${retText(c.op, i.value)}`;
    case 'warn_on':
      return `WARN_ON(${describeCond(i.if)})`;
    case 'bug_on':
      return `BUG_ON(${describeCond(i.if)})`;
    default:
      return i satisfies never;
  }
};

export const lockVerb = (mode: LockMode, only: boolean): string =>
  only ? (mode === 'read' ? 'down_read_trylock' : 'trylock') : mode === 'read' ? 'down_read' : 'lock';

export const describeCond = (c: Cond): string => {
  switch (c.is) {
    case 'nonblockable':
      return '!blockable';
    case 'intersects':
      return 'range intersects';
    case 'nonzero':
      return `${c.counter} != 0`;
    case 'changed':
      return `${c.counter} != ${c.since}`;
    case 'above':
      return `${c.counter} > ${c.value}`;
    case 'below':
      return `${c.counter} < ${c.value}`;
    case 'not':
      return `!(${describeCond(c.cond)})`;
    case 'any':
      return describeAny(c.conds);
    default:
      return c satisfies never;
  }
};

/** Up to about COND_TEXT characters of an `any`, then how many conditions were left out: a trace line stays a line. */
const COND_TEXT = 160;
const describeAny = (conds: readonly Cond[]): string => {
  const parts: string[] = [];
  let length = 0;
  for (const x of conds) {
    const d = describeCond(x);
    if (parts.length > 0 && length + d.length > COND_TEXT) return `${parts.join(' || ')} || … (${conds.length - parts.length} more of ${conds.length})`;
    parts.push(d);
    length += d.length + 4;
  }
  return parts.join(' || ');
};
