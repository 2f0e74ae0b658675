using Npgsql;

namespace SpecEditor.Tests.TestSupport;

/// <summary>
/// A real PostgreSQL server for tests: a throw-away cluster in a temp folder, listening on 127.0.0.1 on a free port,
/// started with the machine's server binaries (as the 'postgres' user when tests run as root, which initdb requires)
/// and stopped through its own pid file. Each test takes a fresh database from <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private TempDirectory? _root;
    private string? _bin;
    private string? _dataDir;

    public int Port { get; private set; }

    public bool Started { get; private set; }

    public static string? FindBinaries()
    {
        var candidates = new List<string>();
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")));
        }

        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'));
        return candidates.FirstOrDefault(dir => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")));
    }

    public async ValueTask InitializeAsync()
    {
        _bin = FindBinaries();
        if (_bin is null)
        {
            return;
        }

        _root = new TempDirectory("spec-editor-pg");
        _dataDir = Path.Combine(_root.Path, "data");
        Port = LoopbackPort.Free();
        if (Environment.UserName == "root")
        {
            await RunAsync("chown", "-R", "postgres:postgres", _root.Path);
        }

        await RunPostgresAsync("initdb", "-D", _dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions");
        await RunPostgresAsync(
            "pg_ctl", "start", "-w", "-t", "60", "-D", _dataDir, "-l", Path.Combine(_root.Path, "server.log"),
            "-o", $"-h 127.0.0.1 -p {Port} -k {_root.Path} -F -c max_connections=200");
        Started = true;
    }

    /// <summary>A new, empty database; returns its DATABASE_URL.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        Requires.Tool(FindBinaries() is not null, "PostgreSQL server binaries (initdb, pg_ctl)");
        Assert.True(Started, "the PostgreSQL test server did not start");
        var name = "t_" + Guid.NewGuid().ToString("N")[..16];
        await using var connection = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return $"postgres://postgres@127.0.0.1:{Port}/{name}";
    }

    public async ValueTask DisposeAsync()
    {
        if (Started && _dataDir is not null)
        {
            // pg_ctl stops exactly this server, through the pid file in its data folder.
            await RunPostgresAsync("pg_ctl", "stop", "-w", "-m", "immediate", "-D", _dataDir);
        }

        _root?.Dispose();
    }

    private Task RunPostgresAsync(string tool, params string[] args)
    {
        var path = Path.Combine(_bin!, tool);
        return Environment.UserName == "root"
            ? RunAsync("runuser", ["-u", "postgres", "--", path, .. args])
            : RunAsync(path, args);
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        var run = await ProcessRun.RunAsync(file, args);
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {run.ExitCode}: {run.Output}{run.Error}");
        }
    }

}
