// Registers the project's search attributes on a Temporal server that does not have them yet (a dev
// server started elsewhere, or a self-hosted cluster during setup). Existing ones are left alone.
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../domain/search-attributes';

const TYPES: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
};

/** Adds whichever S2S* search attributes are missing; returns their names. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const have = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = SEARCH_ATTRIBUTE_DEFINITIONS.filter((sa) => !have.has(sa.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((sa) => [sa.name, TYPES[sa.cliType] as temporal.api.enums.v1.IndexedValueType])),
  });
  return missing.map((sa) => sa.name);
}

/** The commands an operator runs once on a production cluster. */
export function searchAttributeCommands(namespace = 'default'): string[] {
  return SEARCH_ATTRIBUTE_DEFINITIONS.map((sa) => `temporal operator search-attribute create --namespace ${namespace} --name ${sa.name} --type ${sa.cliType}`);
}
