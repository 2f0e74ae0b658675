using System.Data.Common;
using SpecEditor.Data;

namespace SpecEditor.Specs.GitHub;

/// <summary>Workflow dispatches the app made, in its database: the run each one started and the state it reached.</summary>
public sealed class DispatchRepository(Database database)
{
    private const string Columns =
        "id AS Id, customer AS Customer, environment AS Environment, kind AS Kind, title AS Title, description AS Description, path AS Path, " +
        "branch AS Branch, base_commit AS BaseCommit, head_commit AS HeadCommit, before_blob AS BeforeBlob, after_blob AS AfterBlob, " +
        "author_login AS AuthorLogin, workflow AS Workflow, run_id AS RunId, run_url AS RunUrl, run_status AS RunStatus, " +
        "run_conclusion AS RunConclusion, state AS State, created_at AS CreatedAt, updated_at AS UpdatedAt";

    /// <summary>Claims the pod's single in-flight slot; null when another dispatch for the pod is still open.</summary>
    public async Task<long?> TryInsertAsync(DispatchRow row, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await connection.Command(
                """
                INSERT INTO github_dispatches (customer, environment, kind, title, description, path, branch, base_commit, head_commit,
                                               before_blob, after_blob, author_login, workflow, state, created_at, updated_at)
                VALUES (@Customer, @Environment, @Kind, @Title, @Description, @Path, @Branch, @BaseCommit, @HeadCommit,
                        @BeforeBlob, @AfterBlob, @AuthorLogin, @Workflow, 'open', @CreatedAt, @UpdatedAt)
                RETURNING id
                """)
                .With("Customer", row.Customer)
                .With("Environment", row.Environment)
                .With("Kind", row.Kind)
                .With("Title", row.Title)
                .With("Description", row.Description)
                .With("Path", row.Path)
                .With("Branch", row.Branch)
                .With("BaseCommit", row.BaseCommit)
                .With("HeadCommit", row.HeadCommit)
                .With("BeforeBlob", row.BeforeBlob)
                .With("AfterBlob", row.AfterBlob)
                .With("AuthorLogin", row.AuthorLogin)
                .With("Workflow", row.Workflow)
                .With("CreatedAt", row.CreatedAt)
                .With("UpdatedAt", row.UpdatedAt)
                .ScalarAsync<long>(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Database.IsUniqueViolation(ex))
        {
            return null;
        }
    }

    public async Task SetRunAsync(long id, long? runId, string runUrl, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.Command("UPDATE github_dispatches SET run_id = @runId, run_url = @runUrl, updated_at = @now WHERE id = @id")
            .With("id", id).With("runId", runId).With("runUrl", runUrl).With("now", now)
            .ExecuteAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task UpdateRunStateAsync(long id, string? status, string? conclusion, string state, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.Command("UPDATE github_dispatches SET run_status = @status, run_conclusion = @conclusion, state = @state, updated_at = @now WHERE id = @id")
            .With("id", id).With("status", status).With("conclusion", conclusion).With("state", state).With("now", now)
            .ExecuteAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAsync(long id)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await connection.Command("DELETE FROM github_dispatches WHERE id = @id").With("id", id).ExecuteAsync().ConfigureAwait(false);
    }

    public async Task<DispatchRow?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.Command($"SELECT {Columns} FROM github_dispatches WHERE id = @id").With("id", id)
            .QuerySingleOrDefaultAsync(DispatchRow.Read, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<DispatchRow>> ListAsync(string? state, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var command = state is null
            ? connection.Command($"SELECT {Columns} FROM github_dispatches ORDER BY id DESC LIMIT @limit")
            : connection.Command($"SELECT {Columns} FROM github_dispatches WHERE state = @state ORDER BY id DESC LIMIT @limit").With("state", state);
        return await command.With("limit", limit).QueryAsync(DispatchRow.Read, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The pod's dispatch still in flight, if any (at most one: the database refuses a second).</summary>
    public async Task<DispatchRow?> FindOpenAsync(PodId pod, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.Command($"SELECT {Columns} FROM github_dispatches WHERE customer = @Customer AND environment = @Environment AND state = 'open'")
            .With("Customer", pod.Customer).With("Environment", pod.Environment)
            .QuerySingleOrDefaultAsync(DispatchRow.Read, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<DispatchRow>> ListForPodAsync(PodId pod, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.Command($"SELECT {Columns} FROM github_dispatches WHERE customer = @Customer AND environment = @Environment ORDER BY id DESC LIMIT @limit")
            .With("Customer", pod.Customer).With("Environment", pod.Environment).With("limit", limit)
            .QueryAsync(DispatchRow.Read, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>One row of github_dispatches. A record, so a row just written is updated in memory (<c>with</c>) instead of read back.</summary>
public sealed record DispatchRow
{
    public long Id { get; init; }

    public string Customer { get; init; } = "";

    public string Environment { get; init; } = "";

    public string Kind { get; init; } = "";

    public string Title { get; init; } = "";

    public string Description { get; init; } = "";

    public string Path { get; init; } = "";

    public string Branch { get; init; } = "";

    public string BaseCommit { get; init; } = "";

    public string HeadCommit { get; init; } = "";

    public string? BeforeBlob { get; init; }

    public string AfterBlob { get; init; } = "";

    public string AuthorLogin { get; init; } = "";

    public string Workflow { get; init; } = "";

    public long? RunId { get; init; }

    public string? RunUrl { get; init; }

    public string? RunStatus { get; init; }

    public string? RunConclusion { get; init; }

    public string State { get; init; } = "open";

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public PodId Pod => new(Customer, Environment);

    public ChangeMarker ToMarker() => new(Pod.ToString(), Kind, Path, BeforeBlob, AfterBlob, HeadCommit);

    public ChangeRequest ToChange() => new(
        WorkflowDispatcher.IdPrefix + Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Pod,
        Kind == "create" ? ChangeKind.Create : ChangeKind.Edit,
        Title,
        Description,
        Branch,
        BaseCommit,
        HeadCommit,
        AuthorLogin,
        CreatedAt,
        UpdatedAt,
        Enum.Parse<ChangeState>(State, ignoreCase: true),
        RunUrl);

    internal static DispatchRow Read(DbDataReader row) => new()
    {
        Id = row.Int64("Id"),
        Customer = row.Text("Customer"),
        Environment = row.Text("Environment"),
        Kind = row.Text("Kind"),
        Title = row.Text("Title"),
        Description = row.Text("Description"),
        Path = row.Text("Path"),
        Branch = row.Text("Branch"),
        BaseCommit = row.Text("BaseCommit"),
        HeadCommit = row.Text("HeadCommit"),
        BeforeBlob = row.TextOrNull("BeforeBlob"),
        AfterBlob = row.Text("AfterBlob"),
        AuthorLogin = row.Text("AuthorLogin"),
        Workflow = row.Text("Workflow"),
        RunId = row.Int64OrNull("RunId"),
        RunUrl = row.TextOrNull("RunUrl"),
        RunStatus = row.TextOrNull("RunStatus"),
        RunConclusion = row.TextOrNull("RunConclusion"),
        State = row.Text("State"),
        CreatedAt = row.Timestamp("CreatedAt"),
        UpdatedAt = row.Timestamp("UpdatedAt"),
    };
}
