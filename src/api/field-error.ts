/** A validation failure naming the field and the offending value. */
export interface FieldError {
  field: string;
  message: string;
  value?: unknown;
}
