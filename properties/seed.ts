/** One seed for every property (fast-check's e2e/seed.ts idea): FC_SEED, or 42. Printed in titles. */
const env = process.env.FC_SEED;
export const seed: number = env !== undefined && env !== '' ? Number(env) : 42;
if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got '${env}'`);
