// protobufjs decodes 64-bit integers as a Long object (or a number where it fits): one
// reader for every int64 field and attribute optrobust reads.
export type Long = { toNumber(): number };

export const num = (v: number | Long | null | undefined): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber());
