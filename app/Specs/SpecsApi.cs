using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using SpecEditor.Hosting;
using SpecEditor.Specs.Schema;
using SpecEditor.Web;

namespace SpecEditor.Specs;

public sealed record OpenChangeRef(string Id, string Title, string Url, string Author, DateTimeOffset CreatedAt, string? ExternalUrl);

public sealed record PodListItem(string Customer, string Environment, string Path, string Version, PodStatus Status, string? Problem, OpenChangeRef? OpenChange);

public sealed record PodListResponse(string Commit, IReadOnlyList<PodListItem> Pods);

public sealed record FieldResponse(
    string Path, string Label, string Type, string? Value, bool Required, bool ReadOnly,
    string? Description, IReadOnlyList<string>? Enum, string? Pattern, IReadOnlyList<ValidationError> Errors);

public sealed record PodResponse(
    string Customer, string Environment, string Path, string Version, string Commit, PodStatus Status, string? Problem,
    string? Content, IReadOnlyList<FieldResponse> Fields, IReadOnlyList<ValidationError> Errors, OpenChangeRef? OpenChange);

public sealed record FieldChangeResponse(string Path, string Label, string? Before, string? After);

public sealed record PreviewResponse(string Customer, string Environment, string Kind, IReadOnlyList<FieldChangeResponse> Changes, string Diff);

public sealed record ChangeResponse(
    string Id, string Customer, string Environment, ChangeKind Kind, string Title, string Description, string Branch,
    ChangeState State, string Author, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string Url, string? ExternalUrl, string? Diff);

public sealed record HistoryResponse(string Commit, string Summary, string Author, DateTimeOffset When, string? Url);

public sealed record SchemaResponse(string Source, IReadOnlyList<FieldResponse> Fields);

/// <summary>Values are keyed by the field's dotted path, e.g. <c>spec.compute.instance_type</c>. Null or "" unsets an optional field.</summary>
public sealed record EditRequest(string? Version, Dictionary<string, JsonElement>? Values, string? Message);

public sealed record CreateRequest(string? Customer, string? Environment, Dictionary<string, JsonElement>? Values, string? Message);

/// <summary>The spec editor's JSON API: the same operations as the pages, with problem+json errors.</summary>
public static class SpecsApi
{
    public static RouteGroupBuilder MapSpecsApi(this IEndpointRouteBuilder routes)
    {
        var pods = routes.MapGroup("/api/pods").WithTags("Pods");
        pods.MapGet("/", ListPods).WithSummary("List every pod on the base branch, with its status and open change");
        pods.MapPost("/", CreatePod).WithSummary("Propose a new pod as a change");
        pods.MapPost("/preview", PreviewCreate).WithSummary("Preview a new pod's spec as a diff, without saving");
        pods.MapGet("/{customer}/{environment}", GetPod).WithSummary("Read a pod: its fields, values, file and problems");
        pods.MapGet("/{customer}/{environment}/history", GetHistory).WithSummary("Commits that changed the pod's spec");
        pods.MapPost("/{customer}/{environment}/preview", PreviewEdit).WithSummary("Preview an edit as a diff, without saving");
        pods.MapPost("/{customer}/{environment}/changes", SubmitEdit).WithSummary("Save an edit: a branch, one commit and a change request");

        var changes = routes.MapGroup("/api/changes").WithTags("Changes");
        changes.MapGet("/", ListChanges).WithSummary("List changes, newest first (state: open, merged, closed or all)");
        changes.MapGet("/{id}", GetChange).WithSummary("A change with its diff");
        changes.MapPost("/{id}/merge", MergeChange).WithSummary("Merge an open change into the base branch (local store)");
        changes.MapPost("/{id}/close", CloseChange).WithSummary("Close an open change without merging (local store)");

        routes.MapGet("/api/schema", GetSchema).WithTags("Pods").WithSummary("The schema in force: the form's fields and their rules");
        return pods;
    }

    private static async Task<IResult> ListPods(SpecService specs, HttpContext context, PodListCache cache, CancellationToken cancellationToken)
    {
        var dashboard = await specs.GetDashboardAsync(cancellationToken).ConfigureAwait(false);
        var (body, etag) = cache.Get(dashboard);
        context.Response.Headers.ETag = etag;
        context.Response.Headers.CacheControl = "no-cache";
        // RFC 9110: a list of tags or "*", compared weakly (proxies that compress turn the ETag into W/"...").
        var current = new Microsoft.Net.Http.Headers.EntityTagHeaderValue(etag);
        if (context.Request.GetTypedHeaders().IfNoneMatch.Any(tag => tag.Equals(Microsoft.Net.Http.Headers.EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: false)))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(body, "application/json; charset=utf-8");
    }

    private static async Task<Ok<PodResponse>> GetPod(string customer, string environment, SpecService specs, CancellationToken cancellationToken)
    {
        var detail = await specs.GetPodAsync(RequirePod(specs, customer, environment), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new PodResponse(
            detail.Pod.Customer, detail.Pod.Environment, detail.Path, detail.Version, detail.Commit, detail.Status, detail.Problem, detail.Content,
            detail.Fields.Select(ToResponse).ToArray(), detail.Errors, ToRef(detail.OpenChange)));
    }

    private static async Task<Ok<IReadOnlyList<HistoryResponse>>> GetHistory(string customer, string environment, SpecService specs, CancellationToken cancellationToken)
    {
        var history = await specs.GetHistoryAsync(RequirePod(specs, customer, environment), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok<IReadOnlyList<HistoryResponse>>(history.Select(h => new HistoryResponse(h.CommitSha, h.Summary, h.AuthorName, h.When, h.Url)).ToArray());
    }

    private static async Task<Ok<PreviewResponse>> PreviewEdit(string customer, string environment, EditRequest request, SpecService specs, CancellationToken cancellationToken)
    {
        var preview = await specs.PreviewEditAsync(RequirePod(specs, customer, environment), RequireVersion(request.Version), Values(request.Values), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(ToResponse(preview));
    }

    private static async Task<Created<ChangeResponse>> SubmitEdit(
        string customer, string environment, EditRequest request, SpecService specs, IActorProvider actors, HttpContext context, CancellationToken cancellationToken)
    {
        var actor = actors.RequireWriter(context);
        var change = await specs.SubmitEditAsync(RequirePod(specs, customer, environment), RequireVersion(request.Version), Values(request.Values), request.Message, actor, cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/changes/{change.Id}", ToResponse(change, diff: null));
    }

    private static async Task<Ok<PreviewResponse>> PreviewCreate(CreateRequest request, SpecService specs, CancellationToken cancellationToken)
    {
        var preview = await specs.PreviewCreateAsync(request.Customer, request.Environment, Values(request.Values), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(ToResponse(preview));
    }

    private static async Task<Created<ChangeResponse>> CreatePod(CreateRequest request, SpecService specs, IActorProvider actors, HttpContext context, CancellationToken cancellationToken)
    {
        var actor = actors.RequireWriter(context);
        var change = await specs.SubmitCreateAsync(request.Customer, request.Environment, Values(request.Values), request.Message, actor, cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/changes/{change.Id}", ToResponse(change, diff: null));
    }

    private static async Task<Ok<IReadOnlyList<ChangeResponse>>> ListChanges(string? state, int? limit, SpecService specs, CancellationToken cancellationToken)
    {
        ChangeState? filter = state switch
        {
            null or "" or "all" => null,
            "open" => ChangeState.Open,
            "merged" => ChangeState.Merged,
            "closed" => ChangeState.Closed,
            _ => throw new BadRequestException("request.invalid", "state must be open, merged, closed or all."),
        };
        var changes = await specs.Store.ListChangesAsync(filter, Math.Clamp(limit ?? 100, 1, 500), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok<IReadOnlyList<ChangeResponse>>(changes.Select(c => ToResponse(c, diff: null)).ToArray());
    }

    private static async Task<Ok<ChangeResponse>> GetChange(string id, SpecService specs, CancellationToken cancellationToken)
    {
        var (change, diff) = await specs.GetChangeAsync(id, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(ToResponse(change, diff));
    }

    private static async Task<Ok<ChangeResponse>> MergeChange(string id, SpecService specs, IActorProvider actors, HttpContext context, CancellationToken cancellationToken)
    {
        var review = RequireReview(specs);
        return TypedResults.Ok(ToResponse(await review.MergeAsync(id, actors.RequireWriter(context), cancellationToken).ConfigureAwait(false), diff: null));
    }

    private static async Task<Ok<ChangeResponse>> CloseChange(string id, SpecService specs, IActorProvider actors, HttpContext context, CancellationToken cancellationToken)
    {
        var review = RequireReview(specs);
        return TypedResults.Ok(ToResponse(await review.CloseAsync(id, actors.RequireWriter(context), cancellationToken).ConfigureAwait(false), diff: null));
    }

    private static async Task<Ok<SchemaResponse>> GetSchema(SpecService specs, CancellationToken cancellationToken)
    {
        var schema = await specs.GetSchemaAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new SchemaResponse(schema.Source, SpecService.NewPodFields(schema).Select(ToResponse).ToArray()));
    }

    private static PodId RequirePod(SpecService specs, string customer, string environment)
    {
        var errors = specs.Paths.Check(customer, environment);
        return errors.Count == 0 ? new PodId(customer, environment) : throw new InvalidPodNameException(errors);
    }

    private static string RequireVersion(string? version) =>
        string.IsNullOrWhiteSpace(version)
            ? throw new InvalidSpecException([new("version", "required", "is required: send the version the pod was read at")])
            : version;

    private static IChangeReview RequireReview(SpecService specs) =>
        specs.Store as IChangeReview ?? throw new BadRequestException(
            "change.review_elsewhere", $"Changes in the {specs.Store.Kind} store are merged and closed where they are reviewed, not here.", StatusCodes.Status405MethodNotAllowed);

    private static Dictionary<string, string?> Values(Dictionary<string, JsonElement>? values)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (path, value) in values ?? [])
        {
            result[path] = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                JsonValueKind.Number => value.GetRawText(),
                JsonValueKind.Null => null,
                _ => throw new InvalidSpecException([new(path, "type", "must be a single value (string, number or boolean), not a list or object")]),
            };
        }

        return result;
    }

    internal static OpenChangeRef? ToRef(ChangeRequest? change) =>
        change is null ? null : new OpenChangeRef(change.Id, change.Title, $"/changes/{change.Id}", change.AuthorName, change.CreatedAt, change.ExternalUrl);

    private static FieldResponse ToResponse(FieldView view)
    {
        var node = view.Field.Node;
        return new FieldResponse(
            view.Field.DottedPath, view.Field.Label, node.Type.ToString().ToLowerInvariant(), view.Value, view.Field.Required, view.IsReadOnly,
            node.Description, node.Enum, node.PatternText, view.Errors);
    }

    private static PreviewResponse ToResponse(ChangePreview preview) => new(
        preview.Pod.Customer, preview.Pod.Environment, preview.Kind.ToString().ToLowerInvariant(),
        preview.Changes.Select(c => new FieldChangeResponse(c.Path, c.Label, c.Before, c.After)).ToArray(), preview.Diff);

    internal static ChangeResponse ToResponse(ChangeRequest change, string? diff) => new(
        change.Id, change.Pod.Customer, change.Pod.Environment, change.Kind, change.Title, change.Description, change.Branch,
        change.State, change.AuthorName, change.CreatedAt, change.UpdatedAt, $"/changes/{change.Id}", change.ExternalUrl, diff);

    internal static PodListItem ToListItem(PodSummary pod) =>
        new(pod.Pod.Customer, pod.Pod.Environment, pod.Path, pod.Version, pod.Status, pod.Problem, ToRef(pod.OpenChange));
}

/// <summary>The pod list as JSON bytes, made once per dashboard state: the hot read path serves bytes, not objects.</summary>
public sealed class PodListCache(Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    private readonly System.Text.Json.Serialization.Metadata.JsonTypeInfo _typeInfo = json.Value.SerializerOptions.GetTypeInfo(typeof(PodListResponse));
    private Entry? _entry;

    public (byte[] Body, string ETag) Get(Dashboard dashboard)
    {
        var entry = _entry;
        if (entry is null || !ReferenceEquals(entry.Dashboard, dashboard))
        {
            var response = new PodListResponse(dashboard.Commit, dashboard.Pods.Select(SpecsApi.ToListItem).ToArray());
            var body = JsonSerializer.SerializeToUtf8Bytes(response, _typeInfo);
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body).AsSpan(0, 12));
            entry = new Entry(dashboard, body, $"\"{hash}\"");
            _entry = entry;
        }

        return (entry.Body, entry.ETag);
    }

    private sealed record Entry(Dashboard Dashboard, byte[] Body, string ETag);
}
