using System.Data.Common;
using System.Globalization;
using System.Reflection;

namespace SpecEditor.Data;

/// <summary>
/// Applies the numbered SQL scripts embedded under <c>Data/Migrations/&lt;provider&gt;/</c>, once each, in order.
/// On PostgreSQL an advisory lock makes replicas that start together take turns.
/// </summary>
public sealed partial class MigrationRunner(Database database, ILogger<MigrationRunner> logger)
{
    private const long PostgresLockKey = 0x5345_4445_4449_5452; // "SEDEDITR"

    public async Task<int> ApplyAsync(CancellationToken cancellationToken)
    {
        var migrations = Load(database.Provider);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            await connection.Command("PRAGMA journal_mode=WAL;").ExecuteAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (database.Provider == DatabaseProvider.Postgres)
        {
            await connection.Command("SELECT pg_advisory_xact_lock(@key)", transaction).With("key", PostgresLockKey).ExecuteAsync(cancellationToken).ConfigureAwait(false);
        }

        await connection.Command(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
            transaction).ExecuteAsync(cancellationToken).ConfigureAwait(false);
        var applied = (await connection.Command("SELECT version FROM schema_migrations", transaction).QueryAsync(row => row.Int32(0), cancellationToken).ConfigureAwait(false)).ToHashSet();

        var count = 0;
        foreach (var migration in migrations.Where(m => !applied.Contains(m.Version)))
        {
            await connection.Command(migration.Sql, transaction).ExecuteAsync(cancellationToken).ConfigureAwait(false);
            await connection.Command("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @AppliedAt)", transaction)
                .With("Version", migration.Version)
                .With("Name", migration.Name)
                .With("AppliedAt", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture))
                .ExecuteAsync(cancellationToken).ConfigureAwait(false);
            LogApplied(logger, migration.Version, migration.Name);
            count++;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }

    internal static IReadOnlyList<Migration> Load(DatabaseProvider provider)
    {
        var assembly = typeof(MigrationRunner).Assembly;
        var prefix = $"SpecEditor.Data.Migrations.{provider.ToString().ToLowerInvariant()}.";
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name => Read(assembly, name, name[prefix.Length..^4]))
            .OrderBy(m => m.Version)
            .ToArray();
    }

    private static Migration Read(Assembly assembly, string resource, string fileName)
    {
        // File names are "<version>_<name>", e.g. "0001_change_requests" (the resource name replaces nothing in them).
        var separator = fileName.IndexOf('_', StringComparison.Ordinal);
        var version = int.Parse(fileName.AsSpan(0, separator), CultureInfo.InvariantCulture);
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return new Migration(version, fileName[(separator + 1)..], reader.ReadToEnd());
    }

    internal sealed record Migration(int Version, string Name, string Sql);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied database migration {Version} ({Name})")]
    private static partial void LogApplied(ILogger logger, int version, string name);
}
