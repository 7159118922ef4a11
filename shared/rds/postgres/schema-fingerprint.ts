// The schema fingerprint of a database, read from its catalog in one pass of queries: every object of the
// covered schemas keyed "<kind> <name>" with the properties a restore must keep — owners, grants (ACLs),
// persistence, column types/nullability/defaults, index definitions and validity, constraints, sequence
// definitions and values, view/function/trigger definitions, types, policies, extensions.

import { createHash } from 'node:crypto';
import type { Client } from 'pg';
import type { SchemaFingerprint } from './types.js';

/** The schemas a fingerprint never covers: the catalogs, TOAST and temporary schemas. */
const SYSTEM_SCHEMA = `(%.nspname in ('pg_catalog', 'information_schema') or %.nspname ~ '^pg_(toast|temp)')`;

/** The covered schemas ($1: the policy's list, or null for every non-system one), for namespace alias `n`. */
function inScope(alias: string): string {
  return `(not ${SYSTEM_SCHEMA.replaceAll('%', alias)} and ($1::text[] is null or ${alias}.nspname = any($1::text[])))`;
}

/** Not created by an extension (its objects are covered by the extension's name and version). */
function notExtensionMember(catalog: string, oid: string): string {
  return `not exists (select 1 from pg_catalog.pg_depend dep where dep.classid = '${catalog}'::regclass and dep.objid = ${oid} and dep.deptype = 'e')`;
}

/** An ACL as sorted text: "default" (NULL: the built-in privileges), "none" (all revoked) or the items. */
function acl(column: string): string {
  return `case when ${column} is null then 'default' else coalesce((select string_agg(item::text, ' ' order by item::text) from unnest(${column}) item), 'none') end`;
}

const owner = (column: string) => `pg_catalog.pg_get_userbyid(${column})`;
const qualified = (schema: string, name: string) => `${schema}.nspname || '.' || ${name}`;

/** One query per kind of object; each returns `key` and `props` (a JSON object of strings, nulls dropped). */
const QUERIES: readonly string[] = [
  // Schemas.
  `select 'schema ' || n.nspname as key, jsonb_build_object('owner', ${owner('n.nspowner')}, 'acl', ${acl('n.nspacl')}) as props
     from pg_catalog.pg_namespace n where ${inScope('n')} and ${notExtensionMember('pg_namespace', 'n.oid')}`,

  // Tables: ordinary, partitioned, foreign.
  `select 'table ' || ${qualified('n', 'c.relname')} as key, jsonb_strip_nulls(jsonb_build_object(
            'kind', case c.relkind when 'r' then 'table' when 'p' then 'partitioned table' else 'foreign table' end,
            'owner', ${owner('c.relowner')},
            'acl', ${acl('c.relacl')},
            'persistence', case c.relpersistence when 'u' then 'unlogged' else 'logged' end,
            'rowSecurity', case when not c.relrowsecurity then 'off' when c.relforcerowsecurity then 'forced' else 'on' end,
            'partitionKey', case when c.relkind = 'p' then pg_catalog.pg_get_partkeydef(c.oid) end,
            'partitionOf', (select ${qualified('pn', 'pc.relname')} from pg_catalog.pg_inherits i join pg_catalog.pg_class pc on pc.oid = i.inhparent
                              join pg_catalog.pg_namespace pn on pn.oid = pc.relnamespace where i.inhrelid = c.oid and c.relispartition),
            'partitionBound', pg_catalog.pg_get_expr(c.relpartbound, c.oid),
            'options', array_to_string(c.reloptions, ', '))) as props
     from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p', 'f') and c.relpersistence in ('p', 'u') and ${inScope('n')} and ${notExtensionMember('pg_class', 'c.oid')}`,

  // Columns of those tables: position among the live columns, type, nullability, default, identity, grants.
  `select 'column ' || ${qualified('n', "c.relname || '.' || a.attname")} as key, jsonb_strip_nulls(jsonb_build_object(
            'position', (row_number() over (partition by c.oid order by a.attnum))::text,
            'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
            'nullability', case when a.attnotnull then 'not null' else 'null' end,
            'default', case when a.attgenerated = '' then pg_catalog.pg_get_expr(d.adbin, d.adrelid) end,
            'generated', case when a.attgenerated <> '' then pg_catalog.pg_get_expr(d.adbin, d.adrelid) end,
            'identity', case a.attidentity when 'a' then 'always' when 'd' then 'by default' end,
            'collation', case when a.attcollation <> t.typcollation then (select co.collname from pg_catalog.pg_collation co where co.oid = a.attcollation) end,
            'acl', case when a.attacl is not null then ${acl('a.attacl')} end)) as props
     from pg_catalog.pg_attribute a
     join pg_catalog.pg_class c on c.oid = a.attrelid
     join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     join pg_catalog.pg_type t on t.oid = a.atttypid
     left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p', 'f') and c.relpersistence in ('p', 'u')
      and ${inScope('n')} and ${notExtensionMember('pg_class', 'c.oid')}`,

  // Indexes (also those behind primary keys and unique constraints), with their validity: amcheck skips an
  // invalid index, and the planner never uses one.
  `select 'index ' || ${qualified('n', 'ic.relname')} as key, jsonb_strip_nulls(jsonb_build_object(
            'table', ${qualified('tn', 'tc.relname')},
            'definition', pg_catalog.pg_get_indexdef(i.indexrelid),
            'validity', case when not i.indisvalid then 'INVALID' when not i.indisready then 'not ready' else 'valid' end)) as props
     from pg_catalog.pg_index i
     join pg_catalog.pg_class ic on ic.oid = i.indexrelid
     join pg_catalog.pg_namespace n on n.oid = ic.relnamespace
     join pg_catalog.pg_class tc on tc.oid = i.indrelid
     join pg_catalog.pg_namespace tn on tn.oid = tc.relnamespace
    where ic.relpersistence <> 't' and ${inScope('n')} and ${notExtensionMember('pg_class', 'ic.oid')}`,

  // Constraints of tables and domains: primary keys, foreign keys, unique, check, exclusion.
  `select 'constraint ' || ${qualified('n', "coalesce(tc.relname, ty.typname) || '.' || con.conname")} as key, jsonb_build_object(
            'type', case con.contype when 'p' then 'primary key' when 'f' then 'foreign key' when 'u' then 'unique' when 'c' then 'check'
                                     when 'x' then 'exclusion' when 't' then 'constraint trigger' else con.contype::text end,
            'definition', pg_catalog.pg_get_constraintdef(con.oid)) as props
     from pg_catalog.pg_constraint con
     join pg_catalog.pg_namespace n on n.oid = con.connamespace
     left join pg_catalog.pg_class tc on tc.oid = con.conrelid
     left join pg_catalog.pg_type ty on ty.oid = con.contypid
    where ${inScope('n')} and (tc.oid is null or tc.relpersistence <> 't')
      and (con.conrelid = 0 or ${notExtensionMember('pg_class', 'con.conrelid')}) and (con.contypid = 0 or ${notExtensionMember('pg_type', 'con.contypid')})`,

  // Sequences: definition, owner, grants, the column owning it, and its value (compared as "not lower").
  `select 'sequence ' || ${qualified('n', 'c.relname')} as key, jsonb_strip_nulls(jsonb_build_object(
            'owner', ${owner('c.relowner')},
            'acl', ${acl('c.relacl')},
            'persistence', case c.relpersistence when 'u' then 'unlogged' else 'logged' end,
            'definition', pg_catalog.format_type(s.seqtypid, null) || ' start ' || s.seqstart || ' increment ' || s.seqincrement || ' min ' || s.seqmin
                          || ' max ' || s.seqmax || ' cache ' || s.seqcache || case when s.seqcycle then ' cycle' else '' end,
            'ownedBy', (select ${qualified('tn', "tc.relname || '.' || ta.attname")} from pg_catalog.pg_depend dep
                          join pg_catalog.pg_class tc on tc.oid = dep.refobjid join pg_catalog.pg_namespace tn on tn.oid = tc.relnamespace
                          join pg_catalog.pg_attribute ta on ta.attrelid = dep.refobjid and ta.attnum = dep.refobjsubid
                         where dep.classid = 'pg_class'::regclass and dep.objid = c.oid and dep.refobjsubid > 0 and dep.deptype in ('a', 'i') limit 1),
            'value', case when not pg_catalog.has_sequence_privilege(c.oid, 'SELECT,USAGE') then 'unreadable'
                          else coalesce(pg_catalog.pg_sequence_last_value(c.oid)::text, 'unused') end)) as props
     from pg_catalog.pg_class c
     join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     join pg_catalog.pg_sequence s on s.seqrelid = c.oid
    where c.relkind = 'S' and c.relpersistence in ('p', 'u') and ${inScope('n')} and ${notExtensionMember('pg_class', 'c.oid')}`,

  // Views and materialized views: their definitions (as digests), owners, grants; whether a matview holds data.
  `select case c.relkind when 'v' then 'view ' else 'materialized view ' end || ${qualified('n', 'c.relname')} as key, jsonb_strip_nulls(jsonb_build_object(
            'owner', ${owner('c.relowner')},
            'acl', ${acl('c.relacl')},
            'definition', md5(pg_catalog.pg_get_viewdef(c.oid)),
            'populated', case when c.relkind = 'm' then case when c.relispopulated then 'populated' else 'not populated' end end,
            'options', array_to_string(c.reloptions, ', '))) as props
     from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('v', 'm') and ${inScope('n')} and ${notExtensionMember('pg_class', 'c.oid')}`,

  // Functions, procedures, aggregates, window functions, by signature: definition digest, result, owner, grants.
  `select case p.prokind when 'p' then 'procedure ' when 'a' then 'aggregate ' when 'w' then 'window function ' else 'function ' end
            || ${qualified('n', "p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')'")} as key, jsonb_strip_nulls(jsonb_build_object(
            'owner', ${owner('p.proowner')},
            'acl', ${acl('p.proacl')},
            'returns', pg_catalog.pg_get_function_result(p.oid),
            'definition', case when p.prokind = 'a' then (select md5(ag::text) from pg_catalog.pg_aggregate ag where ag.aggfnoid = p.oid)
                               else md5(pg_catalog.pg_get_functiondef(p.oid)) end)) as props
     from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
    where ${inScope('n')} and ${notExtensionMember('pg_proc', 'p.oid')}`,

  // Triggers written by users (not the internal ones behind foreign keys), and whether they fire.
  `select 'trigger ' || ${qualified('n', "c.relname || '.' || t.tgname")} as key, jsonb_build_object(
            'definition', pg_catalog.pg_get_triggerdef(t.oid),
            'enabled', case t.tgenabled when 'O' then 'enabled' when 'D' then 'disabled' when 'R' then 'replica' when 'A' then 'always' else t.tgenabled::text end) as props
     from pg_catalog.pg_trigger t
     join pg_catalog.pg_class c on c.oid = t.tgrelid
     join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where not t.tgisinternal and ${inScope('n')} and ${notExtensionMember('pg_class', 'c.oid')}`,

  // Types users define: enums (labels in order), domains, composite types, ranges.
  `select 'type ' || ${qualified('n', 't.typname')} as key, jsonb_strip_nulls(jsonb_build_object(
            'kind', case t.typtype when 'e' then 'enum' when 'd' then 'domain' when 'c' then 'composite' else 'range' end,
            'owner', ${owner('t.typowner')},
            'acl', ${acl('t.typacl')},
            'definition', case t.typtype
              when 'e' then (select string_agg(quote_literal(e.enumlabel), ', ' order by e.enumsortorder) from pg_catalog.pg_enum e where e.enumtypid = t.oid)
              when 'd' then pg_catalog.format_type(t.typbasetype, t.typtypmod) || case when t.typnotnull then ' not null' else '' end || coalesce(' default ' || t.typdefault, '')
              when 'c' then (select string_agg(a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod), ', ' order by a.attnum)
                               from pg_catalog.pg_attribute a where a.attrelid = t.typrelid and a.attnum > 0 and not a.attisdropped)
              else (select pg_catalog.format_type(r.rngsubtype, null) from pg_catalog.pg_range r where r.rngtypid = t.oid) end)) as props
     from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
    where (t.typtype in ('e', 'd', 'r') or (t.typtype = 'c' and exists (select 1 from pg_catalog.pg_class tc where tc.oid = t.typrelid and tc.relkind = 'c')))
      and ${inScope('n')} and ${notExtensionMember('pg_type', 't.oid')}`,

  // Row-level security policies.
  `select 'policy ' || ${qualified('n', "c.relname || '.' || pol.polname")} as key, jsonb_strip_nulls(jsonb_build_object(
            'command', pol.polcmd::text,
            'permissive', case when pol.polpermissive then 'permissive' else 'restrictive' end,
            'roles', (select string_agg(case when r = 0 then 'public' else ${owner('r')} end, ', ' order by 1) from unnest(pol.polroles) r),
            'using', pg_catalog.pg_get_expr(pol.polqual, pol.polrelid),
            'check', pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid))) as props
     from pg_catalog.pg_policy pol
     join pg_catalog.pg_class c on c.oid = pol.polrelid
     join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where ${inScope('n')}`,

  // Rewrite rules other than the ones views are made of.
  `select 'rule ' || ${qualified('n', "c.relname || '.' || r.rulename")} as key, jsonb_build_object('definition', md5(pg_catalog.pg_get_ruledef(r.oid))) as props
     from pg_catalog.pg_rewrite r
     join pg_catalog.pg_class c on c.oid = r.ev_class
     join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    where r.rulename <> '_RETURN' and ${inScope('n')} and ${notExtensionMember('pg_class', 'c.oid')}`,

  // Default privileges (what objects created later will grant).
  `select 'default privileges of ' || ${owner('d.defaclrole')} || coalesce(' in ' || n.nspname, '') || ' on '
            || case d.defaclobjtype when 'r' then 'tables' when 'S' then 'sequences' when 'f' then 'functions' when 'T' then 'types' when 'n' then 'schemas' else d.defaclobjtype::text end as key,
          jsonb_build_object('acl', ${acl('d.defaclacl')}) as props
     from pg_catalog.pg_default_acl d left join pg_catalog.pg_namespace n on n.oid = d.defaclnamespace
    where n.oid is null or ${inScope('n')}`,

  // Extensions, wherever they live: a database-wide property.
  `select 'extension ' || e.extname as key, jsonb_build_object('version', e.extversion, 'schema', n.nspname, 'owner', ${owner('e.extowner')}) as props
     from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace`,
];

/** The digest of a set of objects: sha256 over keys and properties in sorted order. */
export function schemaDigest(objects: Readonly<Record<string, Readonly<Record<string, string>>>>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(objects).sort()) {
    const props = objects[key] ?? {};
    hash.update(JSON.stringify([key, Object.keys(props).sort().map((name) => [name, props[name]])]));
    hash.update('\n');
  }
  return hash.digest('hex');
}

/**
 * The schema fingerprint of the database `client` is connected to. Runs inside the caller's transaction
 * (or its own) with an empty search_path, so every definition names its objects with their schemas
 * whoever reads them.
 */
export async function captureSchemaFingerprint(client: Client, schemas: readonly string[] | null): Promise<SchemaFingerprint> {
  const objects: Record<string, Record<string, string>> = {};
  const scope = schemas === null ? null : [...schemas];
  await client.query("select pg_catalog.set_config('search_path', '', true)");
  for (const sql of QUERIES) {
    const result = await client.query<{ key: string; props: Record<string, unknown> }>(sql, sql.includes('$1') ? [scope] : []);
    for (const row of result.rows) {
      objects[row.key] = Object.fromEntries(Object.entries(row.props).flatMap(([name, value]) => (value === null || value === undefined ? [] : [[name, typeof value === 'string' ? value : JSON.stringify(value)]])));
    }
  }
  const sorted = Object.fromEntries(Object.keys(objects).sort().map((key) => [key, objects[key] as Record<string, string>]));
  return { schemas: scope, digest: schemaDigest(sorted), objects: sorted };
}
