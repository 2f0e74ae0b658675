using System.Data.Common;
using SpecEditor.Data;

namespace SpecEditor.Specs.Local;

/// <summary>Change requests of the local store, kept in the app's database beside the git branches they describe.</summary>
public sealed class LocalChangeRepository(Database database)
{
    private const string Columns =
        "id AS Id, customer AS Customer, environment AS Environment, kind AS Kind, title AS Title, description AS Description, " +
        "branch AS Branch, base_commit AS BaseCommit, head_commit AS HeadCommit, author_name AS AuthorName, author_email AS AuthorEmail, " +
        "state AS State, created_at AS CreatedAt, updated_at AS UpdatedAt";

    /// <summary>Claims the pod's single open-change slot; the unique index refuses a second open change for the same pod.</summary>
    public async Task<long?> TryInsertOpenAsync(ChangeProposal proposal, string baseCommit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await connection.Command(
                """
                INSERT INTO change_requests (customer, environment, kind, title, description, branch, base_commit, head_commit,
                                             author_name, author_email, state, created_at, updated_at)
                VALUES (@Customer, @Environment, @Kind, @Title, @Description, '', @BaseCommit, NULL,
                        @AuthorName, @AuthorEmail, 'open', @Now, @Now)
                RETURNING id
                """)
                .With("Customer", proposal.Pod.Customer)
                .With("Environment", proposal.Pod.Environment)
                .With("Kind", proposal.Kind.ToString().ToLowerInvariant())
                .With("Title", proposal.Title)
                .With("Description", proposal.Description)
                .With("BaseCommit", baseCommit)
                .With("AuthorName", proposal.Author.Name)
                .With("AuthorEmail", proposal.Author.Email)
                .With("Now", now)
                .ScalarAsync<long>(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Database.IsUniqueViolation(ex))
        {
            return null;
        }
    }

    public async Task CompleteAsync(long id, string branch, string headCommit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.Command("UPDATE change_requests SET branch = @branch, head_commit = @headCommit, updated_at = @now WHERE id = @id")
            .With("id", id).With("branch", branch).With("headCommit", headCommit).With("now", now)
            .ExecuteAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAsync(long id)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None).ConfigureAwait(false);
        await connection.Command("DELETE FROM change_requests WHERE id = @id").With("id", id).ExecuteAsync().ConfigureAwait(false);
    }

    /// <summary>Moves an open change to a final state; false when it was no longer open.</summary>
    public async Task<bool> FinishAsync(long id, ChangeState state, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.Command("UPDATE change_requests SET state = @state, updated_at = @now WHERE id = @id AND state = 'open'")
            .With("id", id).With("state", state.ToString().ToLowerInvariant()).With("now", now)
            .ExecuteAsync(cancellationToken).ConfigureAwait(false);
        return rows == 1;
    }

    public async Task<ChangeRow?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.Command($"SELECT {Columns} FROM change_requests WHERE id = @id").With("id", id)
            .QuerySingleOrDefaultAsync(ChangeRow.Read, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ChangeRow?> FindOpenAsync(PodId pod, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.Command($"SELECT {Columns} FROM change_requests WHERE customer = @Customer AND environment = @Environment AND state = 'open'")
            .With("Customer", pod.Customer).With("Environment", pod.Environment)
            .QuerySingleOrDefaultAsync(ChangeRow.Read, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ChangeRow>> ListAsync(ChangeState? state, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var command = state is null
            ? connection.Command($"SELECT {Columns} FROM change_requests ORDER BY id DESC LIMIT @limit")
            : connection.Command($"SELECT {Columns} FROM change_requests WHERE state = @state ORDER BY id DESC LIMIT @limit")
                .With("state", state.Value.ToString().ToLowerInvariant());
        return await command.With("limit", limit).QueryAsync(ChangeRow.Read, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Open rows whose branch was never written: left behind by a crash between the insert and the commit.</summary>
    public async Task<IReadOnlyList<ChangeRow>> ListUnfinishedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.Command($"SELECT {Columns} FROM change_requests WHERE state = 'open' AND head_commit IS NULL")
            .QueryAsync(ChangeRow.Read, cancellationToken).ConfigureAwait(false);
    }

    public sealed class ChangeRow
    {
        public long Id { get; init; }

        public string Customer { get; init; } = "";

        public string Environment { get; init; } = "";

        public string Kind { get; init; } = "";

        public string Title { get; init; } = "";

        public string Description { get; init; } = "";

        public string Branch { get; init; } = "";

        public string BaseCommit { get; init; } = "";

        public string? HeadCommit { get; init; }

        public string AuthorName { get; init; } = "";

        public string AuthorEmail { get; init; } = "";

        public string State { get; init; } = "";

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset UpdatedAt { get; init; }

        public ChangeRequest ToChangeRequest() => new(
            Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new PodId(Customer, Environment),
            Enum.Parse<ChangeKind>(Kind, ignoreCase: true),
            Title,
            Description,
            Branch,
            BaseCommit,
            HeadCommit,
            AuthorName,
            CreatedAt,
            UpdatedAt,
            Enum.Parse<ChangeState>(State, ignoreCase: true),
            ExternalUrl: null);

        internal static ChangeRow Read(DbDataReader row) => new()
        {
            Id = row.Int64("Id"),
            Customer = row.Text("Customer"),
            Environment = row.Text("Environment"),
            Kind = row.Text("Kind"),
            Title = row.Text("Title"),
            Description = row.Text("Description"),
            Branch = row.Text("Branch"),
            BaseCommit = row.Text("BaseCommit"),
            HeadCommit = row.TextOrNull("HeadCommit"),
            AuthorName = row.Text("AuthorName"),
            AuthorEmail = row.Text("AuthorEmail"),
            State = row.Text("State"),
            CreatedAt = row.Timestamp("CreatedAt"),
            UpdatedAt = row.Timestamp("UpdatedAt"),
        };
    }
}
