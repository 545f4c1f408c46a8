// Package mapper maps Go structs to DynamoDB items through the dynamosql
// driver: entity metadata declared once, composite sort columns kept
// right on every write, a Repository with get, insert, update, put,
// patch, delete, batch writes, queries and pages, optimistic locking, and
// table synchronisation.
//
// # Entities
//
// An entity is a struct whose fields are attributes. Attribute names and
// encoding options come from the `dynamodbav` tag exactly as the AWS SDK's
// attributevalue package reads it (the mapper marshals with that package):
// a name, "-" to skip a field, omitempty, string, unixtime, stringset and
// so on, with embedded structs flattened. Structs that already work with
// attributevalue work unchanged. A separate `dynamo` tag gives a field its
// role for the mapper, and nothing else (it never renames): pk (the
// table's partition key), sk (its sort key) or version (the counter of
// optimistic locking):
//
//	type User struct {
//		ID        string  `dynamodbav:"id" dynamo:"pk"`
//		Age       int     `dynamodbav:"age"`
//		Firstname string  `dynamodbav:"firstname"`
//		Lastname  string  `dynamodbav:"lastname"`
//		Nick      *string `dynamodbav:"nick,omitempty"`
//		Version   int64   `dynamodbav:"version" dynamo:"version"`
//	}
//
// The table and its secondary indexes are declared when the entity is
// registered. A key is one attribute or, as a composite, several:
//
//	var users = mapper.MustRegister[User](
//		mapper.Table("user"),
//		mapper.GSI("ageIndex", mapper.Key("age"), mapper.Key("lastname", "firstname")),
//	)
//
// Register checks the declaration and fails with an error naming the
// entity and the field or index at fault (unknown attribute, duplicate
// name, unsupported key type, ...).
//
// # Composite columns
//
// A composite key such as mapper.Key("lastname", "firstname") is stored in
// its own string attribute, named by the components joined with "#"
// ("lastname#firstname"), whose value is the components encoded with
// indexhint.EncodeComposite so that DynamoDB's byte order is the order of
// the component tuples (strings with '#' and bytes up to '$' escaped,
// integers of fixed width with a sign letter, times as fixed-width UTC).
// The mapper writes it on every write path: Insert, Update, Put, Patch,
// PutMany, and inside transactions. When a component is missing (a nil
// pointer, an omitted empty value) the composite is left out (removed on
// update), so the item drops out of that index like any item without an
// index key. A Patch that changes some components of a composite but not
// all is refused with ErrPartialComposite: the mapper never writes a
// composite built from values it does not know.
//
// Attach (called by NewRepository and Sync) records the composites in the
// connector's catalog, where the driver's index hints find them for
// hand-written SQL.
//
// Times are written in the fixed-width form 2006-01-02T15:04:05.000000000Z
// (UTC), valid RFC 3339 that also sorts chronologically as a string, so a
// time.Time works as a sort key.
//
// # Repositories
//
// A Repository sends PartiQL through the *sql.DB it was made with, and
// every method joins the transaction carried by its context
// (dynamosql.Executor), so repository calls become transactional when
// wrapped in a transaction runner, without changes. The generated PartiQL
// double-quotes every table, index and attribute name (doubling any double
// quote), writes the attribute names of an INSERT's VALUE tuple as string
// literals (doubling any single quote), and passes every value as a ?
// parameter.
//
// PartiQL has no upsert. Put (create or replace) therefore sends an INSERT
// and, when the item exists, an UPDATE that sets every attribute of the
// entity and removes the ones the value lacks: one request for a new item,
// two for an existing one (the failed INSERT is a failed conditional
// write, billed like one). Each statement is atomic; if a concurrent
// writer deletes the item between the two, Put inserts again (up to three
// rounds); if one writes it, the last statement wins, always with a whole
// value of the entity. Unlike DynamoDB's PutItem, attributes the entity
// does not know are left as they are. Inside a transaction Put first reads
// the item (a strongly consistent read, sent at once) and buffers an
// INSERT or an UPDATE accordingly; if another writer creates or deletes
// the item before the commit, the commit fails (duplicate item or
// condition failed) rather than overwriting or losing anything: run the
// transaction again. With a version attribute no read is needed: version
// 0 means create (INSERT), any other version means replace that version.
//
// PutMany and DeleteMany outside a transaction use DynamoDB's batch APIs,
// which database/sql cannot express: they take the connector's client
// (dynamosql.Client) and send chunks of 25 items, a few requests at a
// time. By default they send BatchWriteItem, which writes each item whole
// (new or existing, one write per item, like PutItem: attributes the
// entity does not know are removed). With
// RepositoryOptions.KeepUnknownAttributes, or for an entity with a version
// attribute,
// PutMany sends Put's PartiQL statements with BatchExecuteStatement
// instead. Both resubmit what DynamoDB throttles with exponential backoff,
// resend a batch rejected as invalid one item per request, and report
// what finally failed, item by item, in a *BatchError. Batch writes are
// not atomic. Inside a transaction they add their statements to it
// instead (at most 100 per transaction).
//
// # Queries
//
// Find, FindAll and FindPage take a Query: conditions (Eq, Lt, Between,
// BeginsWith, In, ...), an optional index and a sort. The repository
// chooses the table or index whose partition key the conditions fix,
// turns conditions on the components of a composite key into one key
// condition on the composite attribute (equalities on leading components,
// then one range), and sends the SELECT as written (dynamosql.NoIndexHint):
//
//	SELECT * FROM "user"."ageIndex" WHERE "age" = ? AND begins_with("lastname#firstname", ?) ORDER BY "lastname#firstname" DESC
//
// Queries read whole items with SELECT *, which returns every attribute
// and keeps descending queries on global secondary indexes working on
// DynamoDB Local: 3.3.0 fails a GSI query with an explicit projection and
// ORDER BY <sort key> DESC with InternalFailure (docs/limits.md in the
// repository lists DynamoDB Local's differences). Find streams the result page by page;
// FindPage serves exact pages with signed cursors through
// pagination.Paginate.
//
// Descending order: DynamoDB Local 3.3 applies ORDER BY ... DESC to each
// page of a result separately while the pages themselves advance in
// ascending order (with a Limit, and past 1 MB without one). The mapper
// therefore reads descending results without a Limit, which is right for
// results of up to one DynamoDB page (1 MB), and checks the order across
// pages: a longer descending result fails with an error at the first page
// boundary instead of coming out scrambled.
package mapper
