// Each lint rule: a dangerous statement is found (with its rule, line and lock), and its safe
// rewrite passes. No database: the rules read the text and the schema of the earlier phases.
import { describe, expect, it } from 'vitest'
import { loadMigrations } from '../../src/lib/migrate/files.js'
import { loadApiUses } from '../../src/lib/migrate/lint/api-uses.js'
import { type LintResult, lintPhases, phaseFileOf } from '../../src/lib/migrate/lint/lint.js'

const embedded = loadMigrations().map(phaseFileOf)

/** Lints `text` as a new phase 008 written after the seven embedded ones. */
function lint(text: string, options: { transactional?: boolean } = {}): LintResult {
  const transactional = options.transactional ?? !text.includes('vrss-db:no-transaction')
  return lintPhases({
    before: embedded,
    files: [{ file: '008_new.sql', text, transactional }],
    uses: loadApiUses(),
    baseline: [],
  })
}

function rules(result: LintResult): string[] {
  return result.findings.map((f) => `${f.rule}:${f.line}`)
}

describe('index-not-concurrent', () => {
  it('finds CREATE INDEX on an existing table, with the lock and what it blocks', () => {
    const result = lint('-- a new index\ncreate index idx_posts_title on posts (title);')
    expect(rules(result)).toEqual(['index-not-concurrent:2'])
    expect(result.findings[0]?.why).toMatch(/SHARE on posts.*INSERT, UPDATE and DELETE wait/)
    expect(result.exitCode).toBe(3)
  })

  it('passes CONCURRENTLY in a no-transaction phase, and any index of a table made in the phase', () => {
    expect(
      rules(
        lint(
          '-- vrss-db:no-transaction\ncreate index concurrently if not exists idx_posts_title on posts (title);',
        ),
      ),
    ).toEqual([])
    expect(
      rules(
        lint(
          'create table badges (id int primary key, name text);\ncreate index idx_badges_name on badges (name);',
        ),
      ),
    ).toEqual([])
  })

  it('finds ADD UNIQUE without USING INDEX on an existing table', () => {
    expect(rules(lint('alter table posts add constraint posts_title_key unique (title);'))).toEqual(
      ['index-not-concurrent:1'],
    )
    expect(
      rules(lint('alter table posts add constraint posts_title_key unique using index idx_t;')),
    ).toEqual([])
  })
})

describe('concurrently-in-transaction', () => {
  it('finds CONCURRENTLY in a phase that runs in one transaction', () => {
    const result = lint('create index concurrently if not exists idx_posts_title on posts (title);')
    expect(rules(result)).toEqual(['concurrently-in-transaction:1'])
  })

  it('finds it inside a DO block even under the no-transaction directive', () => {
    const text =
      '-- vrss-db:no-transaction\ndo $$\nbegin\n  create index concurrently if not exists i on posts (title);\nend\n$$;'
    expect(rules(lint(text))).toEqual(['concurrently-in-transaction:4'])
  })

  it('finds DETACH PARTITION … CONCURRENTLY, and leaves REFRESH MATERIALIZED VIEW CONCURRENTLY alone', () => {
    expect(rules(lint('alter table events detach partition events_2025 concurrently;'))).toEqual([
      'concurrently-in-transaction:1',
    ])
    expect(rules(lint('refresh materialized view concurrently feed_stats;'))).toEqual([])
  })

  it('passes it under the no-transaction directive', () => {
    const text = '-- vrss-db:no-transaction\ndrop index concurrently if exists idx_posts_title;'
    expect(rules(lint(text))).toEqual([])
  })
})

describe('concurrent-not-idempotent', () => {
  it('warns about a concurrent build that a rerun would fail on', () => {
    const result = lint(
      '-- vrss-db:no-transaction\ncreate index concurrently idx_posts_title on posts (title);',
    )
    expect(result.findings.map((f) => [f.rule, f.severity])).toEqual([
      ['concurrent-not-idempotent', 'warning'],
    ])
    expect(result.exitCode).toBe(0)
  })
})

describe('volatile-default', () => {
  it.each([
    ['alter table posts add column token uuid not null default gen_random_uuid();'],
    ['alter table posts add column r float8 default random();'],
    ['alter table posts add column seen_at timestamptz default clock_timestamp();'],
    ['alter table posts add column n bigserial;'],
  ])('finds %s', (text) => {
    const result = lint(text)
    expect(rules(result)).toEqual(['volatile-default:1'])
    expect(result.findings[0]?.why).toMatch(/rewrites posts.*ACCESS EXCLUSIVE/)
  })

  it('passes constant and now() defaults (stored once since PostgreSQL 11)', () => {
    const text = [
      'alter table posts add column pinned boolean not null default false;',
      'alter table posts add column archived_at timestamptz default now();',
      'alter table posts add column token uuid;',
      'alter table posts alter column token set default gen_random_uuid();',
    ].join('\n')
    expect(rules(lint(text))).toEqual([])
  })
})

describe('constraint-not-valid and constraint-not-validated', () => {
  it('finds ADD CHECK and ADD FOREIGN KEY without NOT VALID on an existing table', () => {
    const text = [
      "alter table posts add constraint posts_title_check check (title <> '');",
      'alter table comments add constraint comments_user_fk foreign key (user_id) references users (id);',
    ].join('\n')
    const result = lint(text)
    expect(rules(result)).toEqual(['constraint-not-valid:1', 'constraint-not-valid:2'])
    expect(result.findings[1]?.why).toMatch(/SHARE ROW EXCLUSIVE on comments and users/)
  })

  it('passes NOT VALID followed by VALIDATE, and warns when the VALIDATE is missing', () => {
    const add = "alter table posts add constraint posts_title_check check (title <> '') not valid;"
    expect(rules(lint(`${add}\nalter table posts validate constraint posts_title_check;`))).toEqual(
      [],
    )
    const result = lint(add)
    expect(result.findings.map((f) => [f.rule, f.severity])).toEqual([
      ['constraint-not-validated', 'warning'],
    ])
  })
})

describe('set-not-null-scan', () => {
  it('finds SET NOT NULL on an existing table', () => {
    expect(rules(lint('alter table posts alter column title set not null;'))).toEqual([
      'set-not-null-scan:1',
    ])
  })

  it('passes it after a validated CHECK (col IS NOT NULL), which spares the scan', () => {
    const text = [
      'alter table posts add constraint posts_title_not_null check (title is not null) not valid;',
      'alter table posts validate constraint posts_title_not_null;',
      'alter table posts alter column title set not null;',
    ].join('\n')
    expect(rules(lint(text))).toEqual([])
  })
})

it('set-not-null-scan: a CHECK validated by an earlier phase spares the scan too', () => {
  const earlier = {
    file: '008_check.sql',
    text: [
      'alter table posts add constraint posts_title_not_null check (title is not null) not valid;',
      'alter table posts validate constraint posts_title_not_null;',
    ].join('\n'),
    transactional: true,
  }
  const result = lintPhases({
    before: [...embedded, earlier],
    files: [
      {
        file: '009_not_null.sql',
        text: 'alter table posts alter column title set not null;',
        transactional: true,
      },
    ],
    uses: loadApiUses(),
    baseline: [],
  })
  expect(result.findings).toEqual([])
})

describe('type-rewrite', () => {
  it.each([
    ['alter table users alter column username type varchar(20);', /varchar\(30\) → varchar\(20\)/],
    ['alter table posts alter column id type numeric;', /bigint → numeric/],
    ['alter table users alter column email type text using lower(email);', /with USING/],
  ])('finds %s', (text, why) => {
    const result = lint(text)
    expect(rules(result)).toEqual(['type-rewrite:1'])
    expect(result.findings[0]?.why).toMatch(why)
  })

  it('passes the binary-coercible changes', () => {
    const text = [
      'alter table users alter column username type varchar(64);',
      'alter table users alter column email type text;',
    ].join('\n')
    expect(rules(lint(text))).toEqual([])
  })
})

describe('breaks-previous-release', () => {
  it.each([
    ['alter table users drop column email;', /users\.email/],
    ['alter table users rename column email to mail;', /users\.email/],
    ['drop table reposts;', /table reposts/],
    ['alter table comments rename to post_comments;', /table comments/],
  ])('finds %s (the API still uses it)', (text, why) => {
    const result = lint(text)
    expect(rules(result)).toEqual(['breaks-previous-release:1'])
    expect(result.findings[0]?.why).toMatch(why)
  })

  it('passes what the API does not use, and a swap that keeps the name (phase 007)', () => {
    const text = [
      'alter table users add column nickname text;',
      'alter table users drop column nickname;',
      'alter table posts drop column visibility, ',
      '  alter column visibility_next set default null;',
      'alter table posts rename column visibility_next to visibility;',
    ].join('\n')
    expect(rules(lint(text)).filter((r) => r.startsWith('breaks'))).toEqual([])
  })
})

describe('add-column-required', () => {
  it('finds a NOT NULL column without a default on an existing table', () => {
    const result = lint('alter table posts add column slug text not null;')
    expect(rules(result)).toEqual(['add-column-required:1'])
    expect(result.findings[0]?.why).toMatch(/SQLSTATE 23502/)
  })

  it('passes it with a default, nullable, or on a table of the phase', () => {
    const text = [
      "alter table posts add column slug text not null default '';",
      'alter table posts add column summary text;',
      'create table badges (id int primary key);',
      'alter table badges add column name text not null;',
    ].join('\n')
    expect(rules(lint(text))).toEqual([])
  })
})

describe('lock-timeout-override', () => {
  it.each([
    ['set lock_timeout = 0;'],
    ["set local lock_timeout to '0';"],
    ['reset lock_timeout;'],
    ["do $$ begin perform set_config('lock_timeout', '0', true); end $$;"],
  ])('finds %s (it switches the runner’s lock_timeout off)', (text) => {
    const result = lint(text)
    expect(result.findings.map((f) => [f.rule, f.severity])).toEqual([
      ['lock-timeout-override', 'error'],
    ])
  })

  it('warns about a value of its own, and passes a phase that leaves it to the runner', () => {
    expect(lint("set local lock_timeout = '30s';").findings[0]?.severity).toBe('warning')
    expect(rules(lint('alter table posts alter column title drop not null;'))).toEqual([])
  })
})

describe('suppression and DO blocks', () => {
  it('accepts a finding with a lint-ignore comment that gives a reason, not without one', () => {
    const ok = lint(
      '-- vrss-db:lint-ignore index-not-concurrent posts_archive has 12 rows\ncreate index i on posts (title);',
    )
    expect(ok.findings).toEqual([])
    expect(ok.accepted[0]?.accepted).toEqual({ by: 'comment', reason: 'posts_archive has 12 rows' })
    const bare = lint(
      '-- vrss-db:lint-ignore index-not-concurrent\ncreate index i on posts (title);',
    )
    expect(rules(bare)).toEqual(['index-not-concurrent:2'])
  })

  it('looks inside DO blocks, at the line of the inner statement', () => {
    const text =
      'do $step$\nbegin\n  if true then\n    alter table posts alter column title set not null;\n  end if;\nend\n$step$;'
    expect(rules(lint(text))).toEqual(['set-not-null-scan:4'])
  })
})
