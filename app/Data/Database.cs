using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace SpecEditor.Data;

/// <summary>Opens connections to the app's database: SQLite by default, PostgreSQL for shared or production use.</summary>
public sealed class Database : IAsyncDisposable
{
    private readonly IConnectionSource _source;

    public Database(IOptions<DatabaseSettings> options)
    {
        var settings = options.Value;
        Provider = settings.Provider;
        _source = Provider == DatabaseProvider.Postgres
            ? PostgresSource.Create(settings.ConnectionString())
            : new SqliteSource(settings.ConnectionString());
    }

    public DatabaseProvider Provider { get; }

    public Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default) => _source.OpenAsync(cancellationToken);

    /// <summary>True when the exception is the database refusing a row that breaks a unique index.</summary>
    public static bool IsUniqueViolation(Exception exception) => exception switch
    {
        SqliteException { SqliteErrorCode: 19 } => true, // SQLITE_CONSTRAINT
        DbException { SqlState: "23505" } => true, // PostgreSQL unique_violation
        _ => false,
    };

    public ValueTask DisposeAsync() => _source.DisposeAsync();

    // The PostgreSQL source lives in its own class so the Npgsql assembly is only loaded when PostgreSQL is configured.
    private interface IConnectionSource : IAsyncDisposable
    {
        Task<DbConnection> OpenAsync(CancellationToken cancellationToken);
    }

    private sealed class SqliteSource(string connectionString) : IConnectionSource
    {
        public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
        {
            var connection = new SqliteConnection(connectionString);
            try
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                return connection;
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class PostgresSource(NpgsqlDataSource dataSource) : IConnectionSource
    {
        public static PostgresSource Create(string connectionString) => new(NpgsqlDataSource.Create(connectionString));

        public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
            await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

        public ValueTask DisposeAsync() => dataSource.DisposeAsync();
    }
}
