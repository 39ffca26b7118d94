// Golden values below were produced by k8s.io/apimachinery v0.36.3 (labels.Parse,
// metav1.LabelSelectorAsSelector and fmt.Sprintf("%+v", *LabelSelector)), the release of the
// Kubernetes v1.36.3 control plane kscale is compared against.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  goFormatLabelSelector, labelSelectorToString, parseSelector, SelectorError, selectorFromLabelSelector, type LabelSelector,
} from './labels.ts';

const LABELS = { a: 'x', b: 'y', c: '5', 'ex.com/key': 'v', in: 'z', d: '' };

// [selector, String(), Matches(LABELS)]
const PARSED: [string, string, boolean][] = [
  ['', '', true],
  ['a=b,c!=d,e in (x,y),f notin (z),g,!h,i==j, k>1, l<2', 'a=b,c!=d,e in (x,y),f notin (z),g,!h,i==j,k>1,l<2', false],
  ['a=x', 'a=x', true],
  ['a==x', 'a==x', true],
  ['a!=x', 'a!=x', false],
  ['a!=q', 'a!=q', true],
  ['zz!=q', 'zz!=q', true], // a missing key satisfies != and notin
  ['zz notin (q)', 'zz notin (q)', true],
  ['zz in (q)', 'zz in (q)', false],
  ['  a = x ', 'a=x', true],
  ['b=y,a=x', 'a=x,b=y', true], // requirements are sorted by key
  ['a in (z,y,x)', 'a in (x,y,z)', true],
  ['a in (x,x,y)', 'a in (x,y)', true], // a set: duplicates go
  ['a notin (z)', 'a notin (z)', true],
  ['a in ()', 'a in ()', false], // the empty value
  ['a in (,)', 'a in ()', false],
  ['a in (x,,y)', 'a in (,x,y)', true],
  ['a in (x,)', 'a in (,x)', true],
  ['d in ()', 'd in ()', true],
  ['a=', 'a=', false],
  ['d=', 'd=', true],
  ['a=,b', 'a=,b', false],
  ['a!=', 'a!=', true],
  ['in in (z)', 'in in (z)', true], // keywords are plain identifiers where a key or value is expected
  ['notin notin (notin)', 'notin notin (notin)', true],
  ['a in (in,notin)', 'a in (in,notin)', false],
  ['in', 'in', true],
  ['notin', 'notin', false],
  ['!a', '!a', false],
  ['!zz', '!zz', true],
  ['a,!zz', 'a,!zz', true],
  ['ex.com/key=v', 'ex.com/key=v', true],
  ['c>4', 'c>4', true],
  ['c>5', 'c>5', false],
  ['c<6', 'c<6', true],
  ['c>007', 'c>007', false], // 007 reads as 7
  ['a>1', 'a>1', false], // the label value is not an integer
  ['zz<1', 'zz<1', false],
  ['a=x\n,c', 'a=x,c', true],
  // Go's lexer reads a NUL byte as end of input: it ends an identifier or operator and is skipped,
  // but where a new token starts it ends the whole selector.
  ['a,\u0000b', 'a,b', true],
  ['a=\u0000', 'a=', false],
  ['\u0000a', '', true],
];

describe('parseSelector against Go labels.Parse', () => {
  for (const [input, str, match] of PARSED) {
    test(JSON.stringify(input), () => {
      const s = parseSelector(input);
      assert.equal(s.toString(), str);
      assert.equal(s.matches(LABELS), match);
      assert.equal(s.empty, str === '');
    });
  }
});

const VALUE_MSG = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const NAME_MSG = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const OPS = 'in, notin, =, ==, !=, gt, lt';

const REJECTED: [string, string][] = [
  ['a,', "found '', expected: identifier after ','"],
  [',a', "found ',', expected: !, identifier, or 'end of string'"],
  ['=a', "found '=', expected: !, identifier, or 'end of string'"],
  ['(a)', "found '(', expected: !, identifier, or 'end of string'"],
  ['a,b,', "found '', expected: identifier after ','"],
  ['a=b,,c', "found ',', expected: identifier after ','"],
  ['a=b=c', "found '=', expected: ',' or 'end of string'"],
  ['!a=b', "found '=', expected: ',' or 'end of string'"],
  ['a=x y', "found 'y', expected: ',' or 'end of string'"],
  ['a=b\tc=d', "found 'c', expected: ',' or 'end of string'"],
  ['a notin (x) b', "found 'b', expected: ',' or 'end of string'"],
  ['a in x', "unable to parse requirement: found 'x' expected: '('"],
  ['a in', "unable to parse requirement: found '' expected: '('"],
  ['a in (x', "unable to parse requirement: found '', expected: ',' or ')'"],
  ['a in (x y)', "unable to parse requirement: found 'y', expected: ',' or ')'"],
  ['a in (x,(', "unable to parse requirement: found '(', expected: ',', or identifier"],
  ['a in (x,-y,!)', "unable to parse requirement: found '!', expected: ',', or identifier"],
  ['a!', `unable to parse requirement: found '!', expected: ${OPS}`],
  ['a b', `unable to parse requirement: found 'b', expected: ${OPS}`],
  ['a gt 1', `unable to parse requirement: found 'gt', expected: ${OPS}`],
  ['bad key=x', `unable to parse requirement: found 'key', expected: ${OPS}`],
  ['a\u0000b', `unable to parse requirement: found 'b', expected: ${OPS}`], // the NUL only ended "a"
  ['!', "unable to parse requirement: found '', expected: identifier"],
  ['!!a', "unable to parse requirement: found '!', expected: identifier"],
  ['a=(', "unable to parse requirement: found '(', expected: identifier"],
  ['a!==b', "unable to parse requirement: found '=', expected: identifier"],
  ['a===b', "unable to parse requirement: found '=', expected: identifier"],
  ['a><b', "unable to parse requirement: found '<', expected: identifier"],
  ['a>b', `unable to parse requirement: values[0]: Invalid value: "b": for 'Gt', 'Lt' operators, the value must be an integer`],
  ['a>', `unable to parse requirement: values[0]: Invalid value: "": for 'Gt', 'Lt' operators, the value must be an integer`],
  ['a<1.5', `unable to parse requirement: values[0]: Invalid value: "1.5": for 'Gt', 'Lt' operators, the value must be an integer`],
  ['a>99999999999999999999', `unable to parse requirement: values[0]: Invalid value: "99999999999999999999": for 'Gt', 'Lt' operators, the value must be an integer`],
  ['a<-1', `unable to parse requirement: values[0][a]: Invalid value: "-1": ${VALUE_MSG}`],
  ['a=-x', `unable to parse requirement: values[0][a]: Invalid value: "-x": ${VALUE_MSG}`],
  ['a in (-x)', `unable to parse requirement: values[0][a]: Invalid value: "-x": ${VALUE_MSG}`],
  ['a=\u00e9', `unable to parse requirement: values[0][a]: Invalid value: "\u00e9": ${VALUE_MSG}`],
  ['-a', `unable to parse requirement: <nil>: Invalid value: "-a": ${NAME_MSG}`],
  ['a-', `unable to parse requirement: <nil>: Invalid value: "a-": ${NAME_MSG}`],
  ['\u00e9=b', `unable to parse requirement: <nil>: Invalid value: "\u00e9": ${NAME_MSG}`],
  ['/a', 'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty'],
  ['a/', `unable to parse requirement: <nil>: Invalid value: "a/": name part must be non-empty; ${NAME_MSG}`],
  ['x'.repeat(64), `unable to parse requirement: <nil>: Invalid value: "${'x'.repeat(64)}": name part must be no more than 63 bytes`],
  ['A/b/c', "unable to parse requirement: <nil>: Invalid value: \"A/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"],
  ['Ex.com/a', "unable to parse requirement: <nil>: Invalid value: \"Ex.com/a\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"],
];

describe('parseSelector rejects what Go rejects, with Go\'s message', () => {
  for (const [input, message] of REJECTED) {
    test(JSON.stringify(input), () => {
      assert.throws(() => parseSelector(input), (e: unknown) => {
        assert.ok(e instanceof SelectorError);
        assert.equal(e.message, message);
        return true;
      });
    });
  }
  test('non-printable characters are quoted like Go %q', () => {
    assert.throws(() => parseSelector('a\u0007b=c'), { message: `unable to parse requirement: <nil>: Invalid value: "a\\ab": ${NAME_MSG}` });
    assert.throws(() => parseSelector('a\u00a0=c'), { message: `unable to parse requirement: <nil>: Invalid value: "a\\u00a0": ${NAME_MSG}` });
  });
});

const WEB = { app: 'web', tier: 'db', env: 'prod', n: '3' };

// [selector, %+v, String(), Matches(WEB)]
const FROM_LABEL_SELECTOR: [LabelSelector | null | undefined, string, string, boolean][] = [
  [null, 'nil', '', false], // nil selects nothing
  [undefined, 'nil', '', false],
  [{}, '&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},}', '', true],
  [{ matchLabels: {} }, '&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},}', '', true],
  [{ matchExpressions: [] }, '&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},}', '', true],
  [{ matchLabels: { queue: 'jobs' } }, '&LabelSelector{MatchLabels:map[string]string{queue: jobs,},MatchExpressions:[]LabelSelectorRequirement{},}', 'queue=jobs', false],
  [
    { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] },
    '&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:env,Operator:In,Values:[prod],},},}',
    'env in (prod)', true,
  ],
  [
    {
      matchLabels: { tier: 'db', app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['staging', 'prod'] },
        { key: 'gpu', operator: 'DoesNotExist' },
        { key: 'app', operator: 'Exists' },
        { key: 'zone', operator: 'NotIn', values: ['b', 'a', 'b'] },
      ],
    },
    '&LabelSelector{MatchLabels:map[string]string{app: web,tier: db,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:env,Operator:In,Values:[staging prod],},LabelSelectorRequirement{Key:gpu,Operator:DoesNotExist,Values:[],},LabelSelectorRequirement{Key:app,Operator:Exists,Values:[],},LabelSelectorRequirement{Key:zone,Operator:NotIn,Values:[b a b],},},}',
    'app=web,app,env in (prod,staging),!gpu,tier=db,zone notin (a,b,b)', true,
  ],
  [
    { matchLabels: { b: '1', a: '2', B: '3', '10': 'x', '9': 'y' } },
    '&LabelSelector{MatchLabels:map[string]string{10: x,9: y,B: 3,a: 2,b: 1,},MatchExpressions:[]LabelSelectorRequirement{},}',
    '10=x,9=y,B=3,a=2,b=1', false,
  ],
  [
    { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }], matchLabels: { app: 'web' } },
    '&LabelSelector{MatchLabels:map[string]string{app: web,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:app,Operator:In,Values:[web],},},}',
    'app=web,app in (web)', true,
  ],
  [
    { matchExpressions: [{ key: 'n', operator: 'NotIn', values: ['3'] }] },
    '&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:n,Operator:NotIn,Values:[3],},},}',
    'n notin (3)', false,
  ],
];

describe('selectorFromLabelSelector / labelSelectorToString / goFormatLabelSelector against Go', () => {
  for (const [ls, formatted, str, match] of FROM_LABEL_SELECTOR) {
    test(formatted, () => {
      assert.equal(goFormatLabelSelector(ls), formatted);
      const s = selectorFromLabelSelector(ls);
      assert.equal(s.toString(), str);
      assert.equal(labelSelectorToString(ls), str);
      assert.equal(s.matches(WEB), match);
      assert.equal(s.empty, ls !== null && ls !== undefined && str === '');
    });
  }
  test('nil matches nothing, not even no labels; {} matches everything', () => {
    assert.equal(selectorFromLabelSelector(null).matches(undefined), false);
    assert.equal(selectorFromLabelSelector(null).matches({}), false);
    assert.equal(selectorFromLabelSelector({}).matches(undefined), true);
    assert.equal(parseSelector('').matches(undefined), true);
    assert.equal(parseSelector('!a').matches(undefined), true);
    assert.equal(parseSelector('a').matches(undefined), false);
  });
  test('%+v prints keys and values raw, values as Go slices', () => {
    assert.equal(
      goFormatLabelSelector({ matchExpressions: [{ key: 'k', operator: 'In', values: ['a b', 'c'] }, { key: 'e', operator: 'Exists', values: [] }] }),
      '&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:k,Operator:In,Values:[a b c],},LabelSelectorRequirement{Key:e,Operator:Exists,Values:[],},},}',
    );
  });
});

const LS_REJECTED: [LabelSelector, string][] = [
  [{ matchExpressions: [{ key: 'env', operator: 'in', values: ['prod'] }] }, '"in" is not a valid label selector operator'],
  [{ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, '"Gt" is not a valid label selector operator'],
  [{ matchExpressions: [{ key: 'env', operator: 'In' }] }, "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"],
  [{ matchExpressions: [{ key: 'env', operator: 'NotIn', values: [] }] }, "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"],
  [{ matchExpressions: [{ key: 'env', operator: 'Exists', values: ['x'] }] }, 'values: Invalid value: ["x"]: values set must be empty for exists and does not exist'],
  [
    { matchExpressions: [{ key: 'env', operator: 'Exists', values: ['a<b'] }] },
    `[values: Invalid value: ["a\\u003cb"]: values set must be empty for exists and does not exist, values[0][env]: Invalid value: "a<b": ${VALUE_MSG}]`,
  ],
  [{ matchLabels: { 'bad key': 'x' } }, `key: Invalid value: "bad key": ${NAME_MSG}`],
  [{ matchLabels: { app: 'bad value' } }, `values[0][app]: Invalid value: "bad value": ${VALUE_MSG}`],
  [{ matchLabels: { app: 'y'.repeat(64) } }, `values[0][app]: Invalid value: "${'y'.repeat(64)}": must be no more than 63 bytes`],
  [
    { matchExpressions: [{ key: 'Bad/Key/x', operator: 'NotIn', values: ['-v', 'ok'] }] },
    `[key: Invalid value: "Bad/Key/x": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName'), values[0][Bad/Key/x]: Invalid value: "-v": ${VALUE_MSG}]`,
  ],
];

describe('selectorFromLabelSelector rejects what Go rejects, with Go\'s message', () => {
  for (const [ls, message] of LS_REJECTED) {
    test(message.slice(0, 60), () => {
      assert.throws(() => selectorFromLabelSelector(ls), (e: unknown) => e instanceof SelectorError && e.message === message);
      assert.throws(() => labelSelectorToString(ls), SelectorError);
      assert.doesNotThrow(() => goFormatLabelSelector(ls)); // formatting never validates
    });
  }
});
