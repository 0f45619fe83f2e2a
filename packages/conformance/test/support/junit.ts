/** Reads a JUnit report the way CI tools do: validated XML, testsuites of testcases with their counts. */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface JunitCase {
  readonly classname: string;
  readonly name: string;
  readonly time: string;
  readonly failure?: { readonly message: string; readonly '#text': string };
  readonly skipped?: { readonly message: string };
}

export interface JunitSuite {
  readonly name: string;
  readonly tests: string;
  readonly failures: string;
  readonly errors: string;
  readonly skipped: string;
  readonly testcase: readonly JunitCase[];
}

export interface JunitReport {
  readonly testsuites: {
    readonly tests: string;
    readonly failures: string;
    readonly skipped: string;
    readonly errors: string;
    readonly testsuite: readonly JunitSuite[];
  };
}

export function parseJunit(xml: string): JunitReport {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`The JUnit report is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    isArray: (name) => name === 'testsuite' || name === 'testcase',
  });
  return parser.parse(xml) as JunitReport;
}
