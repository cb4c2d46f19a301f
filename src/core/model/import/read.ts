// Reading an ONNX file: the model, its tensors (initializers and Constant values) as plain
// numbers, and node attributes by type. Everything a malformed file can get wrong is an
// InputError naming the file and what is wrong.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
import { num, type Long } from '../../onnx/long.ts';
export type NodeProto = onnxProto.onnx.INodeProto;
export type ModelProto = onnxProto.onnx.IModelProto;

export { OnnxFileError } from './file-error.ts';
import { OnnxFileError } from './file-error.ts';

export { num };

export function decodeModel(bytes: Uint8Array, file: string): ModelProto {
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new OnnxFileError(
      `${file}: not an ONNX model (${(e as Error).message}); expected a file written by torch.onnx.export, tf2onnx or another ONNX exporter`,
    );
  }
  if (!model.graph?.node?.length) throw new OnnxFileError(`${file}: not an ONNX model (no graph with nodes)`);
  return model;
}

/** The default-domain opset the file declares. */
export function opsetOf(model: ModelProto): number {
  const entry = model.opsetImport?.find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? num(entry.version as number | Long) : 1;
}

export interface Tensor {
  readonly dims: number[];
  /** Values as float64 numbers (float tensors) or integers (int64 and int32 tensors). */
  readonly values: number[];
}

const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
const INT32 = 6;
const INT64 = 7;
const BOOL = 9;
const DOUBLE = 11;

export function readTensor(t: onnxProto.onnx.ITensorProto, file: string): Tensor {
  const dims = (t.dims ?? []).map((d) => num(d as number | Long));
  const count = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData?.length ? t.rawData : undefined;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : undefined;
  const read = (width: number, get: (at: number) => number, fallback: readonly (number | Long)[] | null | undefined): number[] => {
    if (view) {
      if (view.byteLength !== count * width)
        throw new OnnxFileError(`${file}: tensor "${t.name}" of shape [${dims.join(', ')}] holds ${view.byteLength} bytes; expected ${count * width}`);
      return Array.from({ length: count }, (_, i) => get(i * width));
    }
    const values = (fallback ?? []).map((v) => num(v));
    if (values.length !== count)
      throw new OnnxFileError(
        `${file}: tensor "${t.name}" of shape [${dims.join(', ')}] holds ${values.length} values; expected ` +
          `${count}${t.dataLocation === 1 ? ' (its data is in an external file, which is not supported: save the model with its weights inside)' : ''}`,
      );
    return values;
  };
  switch (t.dataType) {
    case FLOAT:
      return { dims, values: read(4, (a) => view!.getFloat32(a, true), t.floatData) };
    case DOUBLE:
      return { dims, values: read(8, (a) => view!.getFloat64(a, true), t.doubleData) };
    case INT64:
      return { dims, values: read(8, (a) => Number(view!.getBigInt64(a, true)), t.int64Data as (number | Long)[]) };
    case INT32:
      return { dims, values: read(4, (a) => view!.getInt32(a, true), t.int32Data) };
    // Flags and small integers (Dropout's training_mode): one byte each in raw data, int32_data otherwise.
    case BOOL:
    case UINT8:
      return { dims, values: read(1, (a) => view!.getUint8(a), t.int32Data) };
    case INT8:
      return { dims, values: read(1, (a) => view!.getInt8(a), t.int32Data) };
    default:
      throw new OnnxFileError(`${file}: tensor "${t.name}" has element type ${t.dataType}; supported: float, double, int32, int64, int8, uint8, bool`);
  }
}

/** A node's attributes by name, read by their declared type. */
export function attributes(node: NodeProto, file: string): Map<string, number | number[] | string | Tensor> {
  const out = new Map<string, number | number[] | string | Tensor>();
  const T = onnx.AttributeProto.AttributeType;
  for (const a of node.attribute ?? []) {
    switch (a.type) {
      case T.FLOAT:
        out.set(a.name!, a.f ?? 0);
        break;
      case T.INT:
        out.set(a.name!, num(a.i as number | Long));
        break;
      case T.FLOATS:
        out.set(a.name!, [...(a.floats ?? [])]);
        break;
      case T.INTS:
        out.set(
          a.name!,
          (a.ints ?? []).map((v) => num(v as number | Long)),
        );
        break;
      case T.STRING:
        out.set(a.name!, new TextDecoder().decode(a.s ?? new Uint8Array()));
        break;
      case T.TENSOR:
        out.set(a.name!, readTensor(a.t!, file));
        break;
      default:
        break; // graphs and other kinds: no supported op uses them
    }
  }
  return out;
}
