using MongoDB.Driver;

namespace Crm.ServiceDefaults.Storage;

/// <summary>
/// A service's own schema: SQLite statements (idempotent: <c>CREATE ... IF NOT EXISTS</c>) and the MongoDB
/// index creation (idempotent too). The outbox, inbox and idempotency tables are added by the platform.
/// </summary>
public sealed record StorageSchema(IReadOnlyList<string> SqliteStatements, Func<IMongoDatabase, CancellationToken, Task> CreateMongoIndexesAsync);
