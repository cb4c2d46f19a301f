// Kept apart from read.ts so that the public types never reach onnx-proto's.
import { InputError } from '../../../errors.ts';

/** A problem with the ONNX file itself. */
export class OnnxFileError extends InputError {}
