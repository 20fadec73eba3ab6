// Ids in paths and headers are UUIDs (gen_random_uuid, lower case). Checking the shape first
// turns a made-up id into a plain 404 instead of a database error on the uuid cast.
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value);
}
