// `taughtnet kappa`: token-level agreement (Cohen's kappa) between two labellings of the same text.
import { cohenKappa, type Kappa } from '../../shared/metrics/kappa.ts';
import { readAlignedFiles } from '../corpus/dataset.ts';
import { output, parseCommandArgs, required, schemeOption, type Command } from './command.ts';

const USAGE = `usage: taughtnet kappa --a FILE --b FILE [options]

Cohen's kappa over the token labels of two files holding the same tokens in the same sentences
(two annotators, two models). kappa = (observed - expected) / (1 - expected); when both files use one
and the same label everywhere (expected = 1) they agree fully and kappa is 1.

options:
  --scheme iob2|iob1|bioes     label scheme of both files (default iob2); others are converted to IOB2
  --json                       print JSON: {"kappa", "observed", "expected", "tokens"}
`;

const render = (k: Kappa) =>
  `kappa     ${k.kappa.toFixed(4)}\nobserved  ${k.observed.toFixed(4)}\nexpected  ${k.expected.toFixed(4)}\ntokens    ${k.tokens}\n`;

export const kappa: Command = {
  summary: "token-level Cohen's kappa between two labellings of the same text",
  usage: USAGE,
  async run(args) {
    const { values } = parseCommandArgs(args, {
      a: { type: 'string' },
      b: { type: 'string' },
      scheme: { type: 'string' },
    });
    const [a, b] = await readAlignedFiles(required('a', values.a), required('b', values.b), {
      scheme: schemeOption(values.scheme, 'iob2'),
    });
    output(
      values.json,
      cohenKappa(
        a.flatMap((s) => s.labels),
        b.flatMap((s) => s.labels),
      ),
      render,
    );
  },
};
