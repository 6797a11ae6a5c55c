// `taughtnet models export`: a stored model (by id) or a Hugging Face folder written as one standalone ONNX file
// (main/models/export.ts), float32 or int8, for use outside the workbench.
import { resolve } from 'node:path';
import { checkExportTarget, exportOnnx } from '../models/export.ts';
import { loadModelFolder } from '../models/model-folder.ts';
import {
  UsageError,
  idArgument,
  megabytes,
  output,
  parseCommandArgs,
  required,
  table,
  type Command,
} from './command.ts';
import { DATA_DIR_HELP, DATA_DIR_OPTION, storedModelFolder } from './store.ts';
import { errorMessage } from '../../shared/error-message.ts';

const USAGE = `usage: taughtnet models export (ID | --folder DIR) --out FILE.onnx [options]

Writes a token-classification model as one standalone ONNX file that any ONNX runtime loads. Inputs: input_ids and
attention_mask, int64 [batch, seq], and token_type_ids for models with more than one token type (BERT, ELECTRA;
not RoBERTa or DistilBERT). Output: logits, float32 [batch, seq, labels], labels in the order printed.
ID is a model of taughtnet models list; --folder DIR reads a Hugging Face model folder instead. The model needs a
classifier head for its labels (teachers and students have one; a pretrained encoder usually not).

options:
  --folder DIR                    the Hugging Face folder to export, instead of ID
  --out FILE.onnx                 the file to write (a regular file there is replaced; a symbolic link, FIFO or
                                  device is refused)
  --int8                          the encoder's linear weights in int8 (dynamic quantisation, standard ONNX ops)
  --int8-embeddings               with --int8: the word-embedding table in int8 too (small models shrink most)
${DATA_DIR_HELP}
  --json                          print JSON: {"path", "bytes", "opset", "inputs", "labels", "quantized"}
`;

interface ExportReport {
  path: string;
  bytes: number;
  /** The default (ai.onnx) opset version. */
  opset: number;
  inputs: string[];
  /** Label names in logit order. */
  labels: string[];
  /** The weights stored as int8; empty for a float32 file. */
  quantized: string[];
}

function render(r: ExportReport): string {
  return table([
    ['wrote', r.path],
    ['size', `${megabytes(r.bytes)} MB (${r.bytes} bytes)`],
    ['opset', String(r.opset)],
    ['inputs', r.inputs.join(', ')],
    ['labels', r.labels.join(', ')],
    ['weights', r.quantized.length === 0 ? 'float32' : `int8 in ${r.quantized.length} tensors, the rest float32`],
  ]);
}

/** The output file's absolute path, refused before any model is read if it cannot be written there. */
function outputFile(out: string): string {
  const path = resolve(out);
  try {
    checkExportTarget(path);
  } catch (e) {
    throw new Error(`--out ${errorMessage(e)}`, { cause: e });
  }
  return path;
}

export const exportModel: Command = {
  summary: 'writes a model as a standalone ONNX file, optionally int8',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        folder: { type: 'string' },
        out: { type: 'string' },
        int8: { type: 'boolean' },
        'int8-embeddings': { type: 'boolean' },
        ...DATA_DIR_OPTION,
      },
      1,
    );
    const [id] = positionals;
    if ((id === undefined) === (values.folder === undefined))
      throw new UsageError('give a model ID or --folder DIR (one of them)');
    if (values['int8-embeddings'] && !values.int8) throw new UsageError('--int8-embeddings needs --int8');
    const modelId = id === undefined ? undefined : idArgument('ID', id, 'model');
    const path = outputFile(required('out', values.out));
    const folder = modelId === undefined ? values.folder! : await storedModelFolder(values['data-dir'], modelId);

    const model = await loadModelFolder(folder);
    const labels = model.config.labels;
    if (labels === null || model.report.missing.length > 0) {
      throw new Error(
        `${folder}: has no classifier head for its labels, so there is nothing to export (a teacher or student of taughtnet models list has one)`,
      );
    }
    const file = await exportOnnx(
      path,
      model,
      values.int8 ? { quantize: 'int8', int8Embeddings: values['int8-embeddings'] } : {},
    );
    const report: ExportReport = {
      path: file.path,
      bytes: file.bytes,
      opset: file.opset,
      inputs: file.inputs,
      labels: [...labels],
      quantized: file.quantized,
    };
    output(values.json, report, render);
  },
};
