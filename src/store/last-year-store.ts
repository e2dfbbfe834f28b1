/**
 * Reading an organisation's last year's answers with its declaration, in the same statement (no query of its own): the
 * latest declaration, with at least one answer, of the same unit in one of the flow's earlier flows (see
 * src/flow/earlier-flows.ts). The unit is matched by its name, as the directory writes it: directory numbers change
 * from year to year, names do not (full- and half-width brackets and spaces aside).
 */

/** Last year's declaration as read: its flow, and its answers to the questions asked about, by that flow's ids. */
export interface LastYearRead {
  flowId: string;
  answers: Record<string, unknown>;
}

/**
 * A unit name compared across years without spaces and with half-width brackets: in SQL (`plainName` of a column or
 * parameter) and in code (`plainUnitName`), the same rule.
 */
export const plainName = (column: string) => `translate(${column}, '（） 　', '()')`;
export const plainUnitName = (name: string) => name.replace(/[ 　]/g, '').replace(/（/g, '(').replace(/）/g, ')');

/**
 * A select-list column "lastYear" for the declaration `d`, given `sources` (a jsonb expression: LastYearSources) and the
 * revision the caller already holds (`known`: then it is not read again, as the answers are not).
 */
export const lastYearColumn = (d: string, sources: string, known: string) => `
  (SELECT json_build_object('flowId', ld."flowId", 'answers', (
            SELECT json_object_agg(la."questionId", la."value") FROM "Answer" la
             WHERE la."declarationId" = ld."id" AND la."value" IS NOT NULL AND NOT la."skipped"
               AND la."questionId" IN (SELECT jsonb_array_elements_text(${sources} -> dd."flowId" -> 'questions'))))
     FROM "Declaration" dd
     JOIN "Organisation" od ON od."id" = dd."organisationId"
     CROSS JOIN LATERAL jsonb_array_elements_text(${sources} -> dd."flowId" -> 'from') WITH ORDINALITY AS e(flow, n)
     JOIN "Organisation" lo ON lo."flowId" = e.flow AND ${plainName('lo."unitName"')} = ${plainName('od."unitName"')}
     JOIN "Declaration" ld ON ld."organisationId" = lo."id" AND ld."flowId" = e.flow
    WHERE dd."id" = ${d} AND EXISTS (SELECT 1 FROM "Answer" x WHERE x."declarationId" = ld."id")
      AND NOT EXISTS (SELECT 1 FROM "Declaration" k WHERE k."id" = ${d} AND k."revision" = ${known})
    ORDER BY e.n LIMIT 1) AS "lastYear"`;
