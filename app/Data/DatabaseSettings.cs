using Microsoft.Data.Sqlite;
using Npgsql;
using SpecEditor.Hosting;

namespace SpecEditor.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// <c>DATABASE_URL</c>: empty for SQLite in the data folder, <c>sqlite:///path/file.db</c>, or
/// <c>postgres://user:password@host:5432/database</c> (query options such as <c>sslmode=require</c> pass through).
/// </summary>
public sealed class DatabaseSettings : ISettings<DatabaseSettings>
{
    public static void Bind(IConfiguration configuration, DatabaseSettings settings) => configuration.Bind(settings);

    [ConfigurationKeyName("DATABASE_URL")]
    public string? Url { get; set; }

    /// <summary>How long startup waits for a database that does not accept connections yet (e.g. starting beside the app).</summary>
    [ConfigurationKeyName("DATABASE_STARTUP_TIMEOUT_SECONDS")]
    public string StartupTimeoutSeconds { get; set; } = "60";

    public double StartupTimeout => double.Parse(StartupTimeoutSeconds, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Set from <c>DATA_DIR</c> so the default SQLite file lives with the rest of the data.</summary>
    [ConfigurationKeyName("DATA_DIR")]
    public string? DataDir { get; set; }

    public DatabaseProvider Provider => Url is { Length: > 0 } url && (url.StartsWith("postgres://", StringComparison.Ordinal) || url.StartsWith("postgresql://", StringComparison.Ordinal))
        ? DatabaseProvider.Postgres
        : DatabaseProvider.Sqlite;

    public IEnumerable<string> Validate()
    {
        string? problem = null;
        try
        {
            _ = ConnectionString();
        }
        catch (FormatException ex)
        {
            problem = ex.Message;
        }

        if (problem is not null)
        {
            // Never echo the URL: it may hold a password.
            yield return $"DATABASE_URL: {problem}";
        }

        if (!double.TryParse(StartupTimeoutSeconds, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var timeout) || timeout is < 0 or > 3600)
        {
            yield return $"DATABASE_STARTUP_TIMEOUT_SECONDS: '{StartupTimeoutSeconds}' must be a number of seconds from 0 to 3600";
        }
    }

    public string ConnectionString()
    {
        if (string.IsNullOrWhiteSpace(Url))
        {
            return SqliteConnectionString(Path.Combine(DataDir ?? ".", "spec-editor.db"));
        }

        if (Url.StartsWith("sqlite://", StringComparison.Ordinal))
        {
            var path = Uri.UnescapeDataString(Url["sqlite://".Length..]);
            if (!Path.IsPathFullyQualified(path))
            {
                throw new FormatException("a sqlite:// URL needs an absolute path, e.g. sqlite:///data/spec-editor.db");
            }

            return SqliteConnectionString(path);
        }

        if (Provider != DatabaseProvider.Postgres)
        {
            throw new FormatException("must start with postgres://, postgresql:// or sqlite://");
        }

        return PostgresConnectionString(Url);
    }

    /// <summary>Where the database is, without credentials: the same for every instance of one deployment.</summary>
    public string Location() => Provider == DatabaseProvider.Postgres
        ? PostgresLocation(ConnectionString())
        : "sqlite://" + Path.GetFullPath(new SqliteConnectionStringBuilder(ConnectionString()).DataSource);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static string PostgresLocation(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"postgres://{builder.Host}:{builder.Port}/{builder.Database}";
    }

    // Separate from the SQLite path so the Npgsql assembly is only loaded when PostgreSQL is configured.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static string PostgresConnectionString(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host) || uri.AbsolutePath.Trim('/').Length == 0)
        {
            throw new FormatException("a postgres URL needs a host and a database, e.g. postgres://user:password@db:5432/spec_editor");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/')),
        };
        var credentials = uri.UserInfo.Split(':', 2);
        if (credentials[0].Length > 0)
        {
            builder.Username = Uri.UnescapeDataString(credentials[0]);
        }

        if (credentials.Length == 2)
        {
            builder.Password = Uri.UnescapeDataString(credentials[1]);
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            try
            {
                builder[Uri.UnescapeDataString(parts[0]).Replace('_', ' ')] = parts.Length == 2 ? Uri.UnescapeDataString(parts[1]) : "true";
            }
            catch (ArgumentException)
            {
                throw new FormatException($"the option '{parts[0]}' is not a PostgreSQL connection option");
            }
        }

        return builder.ConnectionString;
    }

    private static string SqliteConnectionString(string path) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();
}
