// An attribute's value as layers write it: numbers are INT unless wrapped with `float()`;
// arrays likewise. Its own file, below both graph.ts and attributes.ts (which alone knows
// onnx-proto's encoding, so no public declaration mentions onnx-proto's types).
export type AttrValue = number | number[] | string | FloatAttr | FloatsAttr;
export interface FloatAttr {
  readonly float: number;
}
export interface FloatsAttr {
  readonly floats: readonly number[];
}
export const float = (v: number): FloatAttr => ({ float: v });
