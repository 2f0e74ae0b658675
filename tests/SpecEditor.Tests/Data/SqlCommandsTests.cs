using System.Data.Common;
using Microsoft.Extensions.Options;
using SpecEditor.Data;
using SpecEditor.Tests.TestSupport;

namespace SpecEditor.Tests.Data;

/// <summary>
/// The mapping rules every store relies on, pinned on SQLite and PostgreSQL: timestamps go in as UTC and come back at offset
/// zero with their precision, integers and booleans read the same from either database, nulls keep their type.
/// </summary>
public sealed class SqlCommandsTests(PostgresServer postgres)
{
    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_timestamp_comes_back_as_the_same_instant_in_utc(string provider)
    {
        using var data = new TempDirectory("spec-editor-sql");
        await using var database = await OpenAsync(provider, data);
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var connection = await database.OpenAsync(cancellationToken);
        await CreateTableAsync(connection, provider, cancellationToken);

        // 12:30:15.123456 at +02:00: whole microseconds, which both databases keep.
        var written = new DateTimeOffset(2024, 3, 1, 12, 30, 15, TimeSpan.FromHours(2)).AddTicks(1_234_560);
        await connection.Command("INSERT INTO mapping (id, at, maybe_at) VALUES (1, @at, @maybeAt)").With("at", written).With("maybeAt", (DateTimeOffset?)null).ExecuteAsync(cancellationToken);

        var (at, maybeAt) = await connection.Command("SELECT at, maybe_at FROM mapping WHERE id = 1")
            .QuerySingleAsync(row => (row.Timestamp("at"), row.TimestampOrNull("maybe_at")), cancellationToken);
        Assert.Equal(written, at);
        Assert.Equal(TimeSpan.Zero, at.Offset);
        Assert.Equal(written.UtcTicks, at.UtcTicks);
        Assert.Null(maybeAt);
    }

    [Fact]
    public async Task Sqlite_stores_timestamps_as_fixed_width_utc_text_with_every_tick()
    {
        using var data = new TempDirectory("spec-editor-sql");
        await using var database = await OpenAsync("sqlite", data);
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var connection = await database.OpenAsync(cancellationToken);
        await CreateTableAsync(connection, "sqlite", cancellationToken);

        var written = new DateTimeOffset(2024, 3, 1, 0, 30, 15, TimeSpan.FromHours(2)).AddTicks(1_234_567);
        await connection.Command("INSERT INTO mapping (id, at) VALUES (1, @at)").With("at", written).ExecuteAsync(cancellationToken);

        Assert.Equal("2024-02-29T22:30:15.1234567Z", await connection.Command("SELECT at FROM mapping WHERE id = 1").ScalarAsync<string>(cancellationToken));
        Assert.Equal(written, await connection.Command("SELECT at FROM mapping WHERE id = 1").QuerySingleAsync(row => row.Timestamp("at"), cancellationToken));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Integers_booleans_and_text_read_the_same_from_either_database(string provider)
    {
        using var data = new TempDirectory("spec-editor-sql");
        await using var database = await OpenAsync(provider, data);
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var connection = await database.OpenAsync(cancellationToken);
        await CreateTableAsync(connection, provider, cancellationToken);

        await connection.Command("INSERT INTO mapping (id, at, flag, small, big, maybe_small, maybe_big, text, maybe_text) VALUES (@id, @at, @flag, @small, @big, @maybeSmall, @maybeBig, @text, @maybeText)")
            .With("id", 1L).With("at", DateTimeOffset.UnixEpoch).With("flag", true).With("small", 42).With("big", 5_000_000_000L)
            .With("maybeSmall", (int?)null).With("maybeBig", (long?)null).With("text", "héllo").With("maybeText", (string?)null)
            .ExecuteAsync(cancellationToken);

        var row = await connection.Command("SELECT flag, small, big, maybe_small, maybe_big, text, maybe_text FROM mapping WHERE id = 1")
            .QuerySingleAsync(r => (Flag: r.Boolean("flag"), Small: r.Int32("small"), Big: r.Int64("big"), MaybeSmall: r.Int32OrNull("maybe_small"),
                MaybeBig: r.Int64OrNull("maybe_big"), Text: r.Text("text"), MaybeText: r.TextOrNull("maybe_text")), cancellationToken);
        Assert.Equal((true, 42, 5_000_000_000L, (int?)null, (long?)null, "héllo", (string?)null), row);
        Assert.True(await connection.Command("SELECT flag FROM mapping WHERE id = 1").ScalarAsync<bool>(cancellationToken));
        Assert.Equal(42, await connection.Command("SELECT small FROM mapping WHERE id = 1").ScalarAsync<int>(cancellationToken));
        Assert.Equal(0L, await connection.Command("SELECT big FROM mapping WHERE id = 2").ScalarAsync<long>(cancellationToken));
        Assert.Null(await connection.Command("SELECT maybe_text FROM mapping WHERE id = 1").ScalarAsync<string>(cancellationToken));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_null_parameter_keeps_its_type(string provider)
    {
        using var data = new TempDirectory("spec-editor-sql");
        await using var database = await OpenAsync(provider, data);
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var connection = await database.OpenAsync(cancellationToken);

        // PostgreSQL cannot tell the type of an untyped null that nothing around it types.
        Assert.True(await connection.Command("SELECT @text IS NULL AND @number IS NULL").With("text", (string?)null).With("number", (int?)null).ScalarAsync<bool>(cancellationToken));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_single_row_query_refuses_more_rows_or_none(string provider)
    {
        using var data = new TempDirectory("spec-editor-sql");
        await using var database = await OpenAsync(provider, data);
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var connection = await database.OpenAsync(cancellationToken);
        const string TwoRows = "SELECT 'a' UNION ALL SELECT 'b'";

        await Assert.ThrowsAsync<InvalidOperationException>(() => connection.Command(TwoRows).QuerySingleOrDefaultAsync(row => row.Text(0), cancellationToken));
        await Assert.ThrowsAsync<InvalidOperationException>(() => connection.Command(TwoRows).QuerySingleAsync(row => row.Text(0), cancellationToken));
        await Assert.ThrowsAsync<InvalidOperationException>(() => connection.Command("SELECT 'a' WHERE 1 = 0").QuerySingleAsync(row => row.Text(0), cancellationToken));
        Assert.Null(await connection.Command("SELECT 'a' WHERE 1 = 0").QuerySingleOrDefaultAsync(row => row.Text(0), cancellationToken));
    }

    private static Task CreateTableAsync(DbConnection connection, string provider, CancellationToken cancellationToken) => connection.Command(provider == "postgres"
        ? "CREATE TABLE mapping (id BIGINT PRIMARY KEY, at TIMESTAMPTZ NOT NULL, maybe_at TIMESTAMPTZ, flag BOOLEAN, small INTEGER, big BIGINT, maybe_small INTEGER, maybe_big BIGINT, text TEXT, maybe_text TEXT)"
        : "CREATE TABLE mapping (id INTEGER PRIMARY KEY, at TEXT NOT NULL, maybe_at TEXT, flag INTEGER, small INTEGER, big BIGINT, maybe_small INTEGER, maybe_big BIGINT, text TEXT, maybe_text TEXT)")
        .ExecuteAsync(cancellationToken);

    private async Task<Database> OpenAsync(string provider, TempDirectory data) => new(Options.Create(provider == "postgres"
        ? new DatabaseSettings { Url = await postgres.CreateDatabaseAsync() }
        : new DatabaseSettings { DataDir = data.Path }));
}
