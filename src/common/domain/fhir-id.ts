/** A FHIR logical id (R5 `id` datatype): what may follow `Patient/` in a reference. */
export const FHIR_ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

export function isFhirId(value: string): boolean {
  return FHIR_ID_PATTERN.test(value);
}
