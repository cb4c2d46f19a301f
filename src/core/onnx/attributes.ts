// An attribute value as ONNX stores it. Kept apart from graph.ts so that no public
// declaration mentions onnx-proto's types (its `Long` does not compile for consumers).
import onnxProto from 'onnx-proto';
import type { AttrValue } from './attr-value.ts';

const { onnx } = onnxProto;

export function encodeAttr(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.FLOATS, floats: [...v.floats] };
}
