import t from 'tap';
import { promqlString, substitute } from '../../src/resources/index.js';

// src/resources/template.ts: the `{{key}}` placeholders of KEDA triggers and drain queries.

t.test('substitute', async (t) => {
  const rows = [
    { reason: 'known placeholders are replaced', text: '{{version}}', want: 'v1' },
    {
      reason: 'unknown placeholders are left as written',
      text: '{{version}}/{{unknown}}',
      want: 'v1/{{unknown}}',
    },
    { reason: 'spaces inside braces are allowed', text: '{{ service }}', want: 's' },
    { reason: 'every occurrence', text: '{{service}}-{{service}}', want: 's-s' },
    { reason: 'no placeholder, no change', text: 'rate(x[1m])', want: 'rate(x[1m])' },
  ];
  for (const r of rows)
    t.equal(substitute(r.text, { version: 'v1', service: 's' }), r.want, r.reason);
  t.equal(
    substitute('v="{{version}}"', { version: 'a"b\\c' }, promqlString),
    'v="a\\"b\\\\c"',
    'an escape function is applied to substituted values only',
  );
});
