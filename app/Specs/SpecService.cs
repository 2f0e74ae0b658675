using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using SpecEditor.Specs.Schema;
using SpecEditor.Specs.Yaml;

namespace SpecEditor.Specs;

public enum PodStatus
{
    /// <summary>Parses and follows the schema.</summary>
    Ok,

    /// <summary>Parses but breaks the schema; still editable, and a save must fix it.</summary>
    Invalid,

    /// <summary>Cannot be parsed (bad YAML, too large, not a mapping): shown with the reason, not editable.</summary>
    Unreadable,

    /// <summary>Not read yet (stores whose reads cost API calls only read a pod when it is opened).</summary>
    Unknown,
}

public sealed record PodSummary(PodId Pod, string Path, string Version, PodStatus Status, string? Problem, ChangeRequest? OpenChange);

public sealed record CustomerGroup(string Customer, IReadOnlyList<PodSummary> Pods);

public sealed record Dashboard(string Commit, IReadOnlyList<PodSummary> Pods, IReadOnlyList<CustomerGroup> Customers, IReadOnlyList<ChangeRequest> OpenChanges);

/// <summary>One schema field as a form shows it: its current value and what the file says is wrong with it.</summary>
public sealed record FieldView(SchemaField Field, string? Value, IReadOnlyList<ValidationError> Errors)
{
    public bool IsReadOnly => Field.Node.Binding != FieldBinding.None;
}

public sealed record PodDetail(
    PodId Pod,
    string Path,
    string Version,
    string Commit,
    string? Content,
    PodStatus Status,
    string? Problem,
    IReadOnlyList<FieldView> Fields,
    IReadOnlyList<ValidationError> Errors,
    ChangeRequest? OpenChange,
    SpecSchema? Schema);

public sealed record FieldChange(string Path, string Label, string? Before, string? After);

/// <summary>What a save would do: the field changes, the diff of the file, and the new bytes.</summary>
public sealed record ChangePreview(PodId Pod, ChangeKind Kind, string? BaseVersion, IReadOnlyList<FieldChange> Changes, string Diff, string Path, byte[] Content);

/// <summary>
/// The spec editor's use cases: read pods, preview an edit as a diff, and propose it as a change.
/// Saves edit the file surgically; validation follows the schema in force; every failure is a <see cref="Hosting.AppException"/>.
/// </summary>
public sealed partial class SpecService(
    ISpecStore store,
    PodPaths paths,
    SchemaProvider schemas,
    IOptions<SpecsSettings> settings)
{
    private const int MaxCachedDocuments = 4096;
    private readonly ConcurrentDictionary<string, ParsedSpec> _documents = new(StringComparer.Ordinal);
    private readonly int _maxSpecBytes = settings.Value.MaxSpecByteCount;
    private DashboardCache? _dashboard;

    public ISpecStore Store => store;

    public PodPaths Paths => paths;

    public async ValueTask<Dashboard> GetDashboardAsync(CancellationToken cancellationToken)
    {
        var snapshot = await store.GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        var open = await store.ListOpenChangesAsync(cancellationToken).ConfigureAwait(false);
        var cached = _dashboard;
        if (cached is not null && ReferenceEquals(cached.Snapshot, snapshot) && ReferenceEquals(cached.OpenChanges, open))
        {
            return cached.Dashboard;
        }

        SpecSchema? schema = null;
        string? schemaProblem = null;
        try
        {
            schema = await schemas.GetAsync(snapshot, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidSchemaException ex)
        {
            schemaProblem = ex.Message;
        }

        var openByPod = open.ToDictionary(c => c.Pod);
        var pods = new List<PodSummary>(snapshot.Pods.Count);
        foreach (var entry in snapshot.Pods.OrderBy(p => p.Pod.Customer, StringComparer.Ordinal).ThenBy(p => EnvironmentOrder(p.Pod.Environment)))
        {
            var (status, problem) = (PodStatus.Unknown, (string?)null);
            if (store is ILocalReads || _documents.ContainsKey(entry.BlobSha))
            {
                var parsed = await ReadDocumentAsync(entry, cancellationToken).ConfigureAwait(false);
                (status, problem) = Assess(parsed, schema, schemaProblem, entry.Pod);
            }

            pods.Add(new PodSummary(entry.Pod, entry.Path, entry.BlobSha, status, problem, openByPod.GetValueOrDefault(entry.Pod)));
        }

        var groups = pods.GroupBy(p => p.Pod.Customer).Select(g => new CustomerGroup(g.Key, g.ToArray())).ToArray();
        var dashboard = new Dashboard(snapshot.CommitSha, pods, groups, open);
        _dashboard = new DashboardCache(snapshot, open, dashboard);
        return dashboard;
    }

    public async Task<PodDetail> GetPodAsync(PodId pod, CancellationToken cancellationToken)
    {
        var snapshot = await store.GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        var entry = snapshot.Find(pod) ?? throw new PodNotFoundException(pod);
        var parsed = await ReadDocumentAsync(entry, cancellationToken).ConfigureAwait(false);
        var openChange = (await store.ListOpenChangesAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(c => c.Pod == pod);

        SpecSchema? schema = null;
        string? problem = parsed.Problem;
        try
        {
            schema = await schemas.GetAsync(snapshot, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidSchemaException ex)
        {
            problem ??= ex.Message;
        }

        if (parsed.Root is null || schema is null)
        {
            return new PodDetail(pod, entry.Path, entry.BlobSha, snapshot.CommitSha, parsed.Text?.Text, PodStatus.Unreadable, problem, [], [], openChange, schema);
        }

        var errors = SpecValidator.Validate(schema, parsed.Root, pod);
        var fields = schema.Fields
            .Select(field => new FieldView(field, SpecValidator.ReadScalar(parsed.Root, field.Path)?.Value, errors.Where(e => e.Path == field.DottedPath).ToArray()))
            .ToArray();
        return new PodDetail(
            pod, entry.Path, entry.BlobSha, snapshot.CommitSha, parsed.Text!.Text,
            errors.Count == 0 ? PodStatus.Ok : PodStatus.Invalid, null, fields, errors, openChange, schema);
    }

    /// <summary>The form for a new pod: every schema field with its default.</summary>
    public async Task<IReadOnlyList<FieldView>> GetNewPodFieldsAsync(CancellationToken cancellationToken) =>
        NewPodFields(await GetSchemaAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>The form of a new pod: every field of the schema at its default.</summary>
    public static IReadOnlyList<FieldView> NewPodFields(SpecSchema schema) => schema.Fields.Select(f => new FieldView(f, f.Node.Default, [])).ToArray();

    /// <summary>The schema in force on the base branch (the repository's own, or the built-in one).</summary>
    public async Task<SpecSchema> GetSchemaAsync(CancellationToken cancellationToken) =>
        await SchemaAsync(await store.GetSnapshotAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(PodId pod, CancellationToken cancellationToken) =>
        await store.GetHistoryAsync(pod, 20, cancellationToken).ConfigureAwait(false);

    /// <summary>Computes an edit without saving it. Throws for invalid values, a stale version, or an unreadable file.</summary>
    public async Task<ChangePreview> PreviewEditAsync(PodId pod, string version, IReadOnlyDictionary<string, string?> values, CancellationToken cancellationToken)
    {
        var snapshot = await store.GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        var entry = snapshot.Find(pod) ?? throw new PodNotFoundException(pod);
        if (!IsObjectId(version))
        {
            throw new InvalidSpecException([new("version", "format", "must be the blob id the pod was read at")]);
        }

        if (entry.BlobSha != version)
        {
            throw await ConflictAsync(pod, version, entry, cancellationToken).ConfigureAwait(false);
        }

        var parsed = await ReadDocumentAsync(entry, cancellationToken).ConfigureAwait(false);
        if (parsed.Root is null)
        {
            throw new UnreadableSpecException(pod, parsed.Problem!);
        }

        var schema = await SchemaAsync(snapshot, cancellationToken).ConfigureAwait(false);
        var (edits, changes, errors) = PlanEdits(schema, parsed.Root, pod, values);
        string newText;
        try
        {
            newText = YamlSurgicalEditor.Apply(parsed.Text!.Text, parsed.Root, edits);
        }
        catch (YamlEditException ex)
        {
            throw new InvalidSpecException([.. errors, new("(file)", "edit", ex.Message)]);
        }

        errors.AddRange(ValidateText(schema, newText, pod).Where(e => !errors.Any(existing => existing.Path == e.Path)));
        if (errors.Count > 0)
        {
            throw new InvalidSpecException(errors);
        }

        if (changes.Count == 0)
        {
            throw new NoChangesException(pod);
        }

        return new ChangePreview(pod, ChangeKind.Edit, version, changes, UnifiedDiff.Create(entry.Path, parsed.Text.Text, newText), entry.Path, parsed.Text.Encode(newText));
    }

    public async Task<ChangeRequest> SubmitEditAsync(PodId pod, string version, IReadOnlyDictionary<string, string?> values, string? message, Actor actor, CancellationToken cancellationToken)
    {
        await RefuseSecondChangeAsync(pod, cancellationToken).ConfigureAwait(false);
        var preview = await PreviewEditAsync(pod, version, values, cancellationToken).ConfigureAwait(false);
        return await ProposeAsync(preview, message, actor, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renders a new pod's spec from the schema and the given values, without saving it.</summary>
    public async Task<ChangePreview> PreviewCreateAsync(string? customer, string? environment, IReadOnlyDictionary<string, string?> values, CancellationToken cancellationToken)
    {
        var nameErrors = paths.Check(customer, environment);
        if (nameErrors.Count > 0)
        {
            throw new InvalidPodNameException(nameErrors);
        }

        var pod = new PodId(customer!, environment!);
        var snapshot = await store.GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
        if (snapshot.Find(pod) is not null)
        {
            throw new PodExistsException(pod);
        }

        var schema = await SchemaAsync(snapshot, cancellationToken).ConfigureAwait(false);

        // Schema order, so the new file reads like the schema; bound fields take the pod's names, others their defaults.
        var withBindings = new List<KeyValuePair<string, string?>>();
        foreach (var field in schema.Fields)
        {
            var value = BoundValue(field, pod) ?? (values.TryGetValue(field.DottedPath, out var given) ? given : field.Node.Default);
            if (!string.IsNullOrEmpty(value))
            {
                withBindings.Add(new(field.DottedPath, value));
            }
        }

        withBindings.AddRange(values.Where(v => !schema.FieldsByPath.ContainsKey(v.Key)));

        var header = $"# Pod spec for {pod.Customer} / {pod.Environment}, created with the spec editor.\n";
        var empty = (YamlMapping)YamlSourceParser.Parse("{}");
        var (edits, changes, errors) = PlanEdits(schema, empty, pod, withBindings);
        var text = header + RenderNew(edits);
        errors.AddRange(ValidateText(schema, text, pod).Where(e => !errors.Any(existing => existing.Path == e.Path)));
        if (errors.Count > 0)
        {
            throw new InvalidSpecException(errors);
        }

        var path = paths.SpecPath(pod);
        return new ChangePreview(pod, ChangeKind.Create, null, changes, UnifiedDiff.Create(path, null, text), path, Encoding.UTF8.GetBytes(text));
    }

    public async Task<ChangeRequest> SubmitCreateAsync(string? customer, string? environment, IReadOnlyDictionary<string, string?> values, string? message, Actor actor, CancellationToken cancellationToken)
    {
        var preview = await PreviewCreateAsync(customer, environment, values, cancellationToken).ConfigureAwait(false);
        await RefuseSecondChangeAsync(preview.Pod, cancellationToken).ConfigureAwait(false);
        return await ProposeAsync(preview, message, actor, cancellationToken).ConfigureAwait(false);
    }

    public async Task<(ChangeRequest Change, string Diff)> GetChangeAsync(string id, CancellationToken cancellationToken)
    {
        var change = await store.GetChangeAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new ChangeNotFoundException(id);
        var content = await store.GetChangeContentAsync(id, cancellationToken).ConfigureAwait(false);
        var diff = content is null ? string.Empty : UnifiedDiff.Create(content.Path, Decode(content.Before), Decode(content.After));
        return (change, diff);
    }

    private static string? Decode(byte[]? bytes) => bytes is null ? null : Encoding.UTF8.GetString(bytes);

    private async Task<ChangeRequest> ProposeAsync(ChangePreview preview, string? message, Actor actor, CancellationToken cancellationToken)
    {
        var title = string.IsNullOrWhiteSpace(message) ? DefaultTitle(preview) : message.Trim();
        if (title.Length > 200)
        {
            throw new InvalidSpecException([new("message", "maxLength", "must be at most 200 characters")]);
        }

        var proposal = new ChangeProposal(preview.Pod, preview.Kind, preview.Path, preview.BaseVersion, preview.Content, title, Describe(preview), actor);
        try
        {
            return await store.ProposeAsync(proposal, cancellationToken).ConfigureAwait(false);
        }
        catch (SpecConflictException conflict) when (conflict.Diff is null)
        {
            var snapshot = await store.GetSnapshotAsync(cancellationToken).ConfigureAwait(false);
            throw await ConflictAsync(preview.Pod, preview.BaseVersion!, snapshot.Find(preview.Pod), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RefuseSecondChangeAsync(PodId pod, CancellationToken cancellationToken)
    {
        var open = await store.ListOpenChangesAsync(cancellationToken).ConfigureAwait(false);
        if (open.FirstOrDefault(c => c.Pod == pod) is { } existing)
        {
            throw new DuplicateChangeException(existing);
        }
    }

    private async Task<SpecConflictException> ConflictAsync(PodId pod, string version, PodEntry? current, CancellationToken cancellationToken)
    {
        string? loaded = null;
        try
        {
            loaded = Encoding.UTF8.GetString(await store.ReadBlobAsync(version, cancellationToken).ConfigureAwait(false));
        }
        catch (Hosting.AppException)
        {
            // The version the user had is unknown here (e.g. made up); show the current file as all new.
        }

        var now = current is null ? null : Encoding.UTF8.GetString(await store.ReadBlobAsync(current.BlobSha, cancellationToken).ConfigureAwait(false));
        return new SpecConflictException(pod, version, current?.BlobSha)
        {
            Diff = UnifiedDiff.Create(paths.SpecPath(pod), loaded, now),
        };
    }

    private async ValueTask<SpecSchema> SchemaAsync(RepositorySnapshot snapshot, CancellationToken cancellationToken) =>
        await schemas.GetAsync(snapshot, cancellationToken).ConfigureAwait(false);

    private async ValueTask<ParsedSpec> ReadDocumentAsync(PodEntry entry, CancellationToken cancellationToken)
    {
        if (_documents.TryGetValue(entry.BlobSha, out var cached))
        {
            return cached;
        }

        var parsed = entry.Size > _maxSpecBytes
            ? ParsedSpec.TooLarge(entry.Size, _maxSpecBytes)
            : ParsedSpec.Parse(await store.ReadBlobAsync(entry.BlobSha, cancellationToken).ConfigureAwait(false), _maxSpecBytes);
        if (_documents.Count >= MaxCachedDocuments)
        {
            _documents.Clear();
        }

        _documents[entry.BlobSha] = parsed;
        return parsed;
    }

    private static (PodStatus, string?) Assess(ParsedSpec parsed, SpecSchema? schema, string? schemaProblem, PodId pod)
    {
        if (parsed.Root is null)
        {
            return (PodStatus.Unreadable, parsed.Problem);
        }

        if (schema is null)
        {
            return (PodStatus.Unknown, schemaProblem);
        }

        var errors = SpecValidator.Validate(schema, parsed.Root, pod);
        return errors.Count == 0 ? (PodStatus.Ok, null) : (PodStatus.Invalid, string.Join("; ", errors));
    }

    private static List<ValidationError> ValidateText(SpecSchema schema, string text, PodId pod)
    {
        try
        {
            return [.. SpecValidator.Validate(schema, YamlSourceParser.Parse(text), pod)];
        }
        catch (YamlFormatException ex)
        {
            return [new("(file)", "yaml", "the edit would not produce valid YAML: " + ex.Describe())];
        }
    }

    /// <summary>Turns form values into surgical edits of the fields that really change; collects input errors on the way.</summary>
    private static (List<YamlEdit> Edits, List<FieldChange> Changes, List<ValidationError> Errors) PlanEdits(
        SpecSchema schema, YamlMapping root, PodId pod, IEnumerable<KeyValuePair<string, string?>> values)
    {
        var edits = new List<YamlEdit>();
        var changes = new List<FieldChange>();
        var errors = new List<ValidationError>();
        foreach (var (path, raw) in values)
        {
            if (!schema.FieldsByPath.TryGetValue(path, out var field))
            {
                errors.Add(new(path, "unknown", "is not a field of the spec schema"));
                continue;
            }

            var current = SpecValidator.ReadScalar(root, field.Path);
            if (string.IsNullOrEmpty(raw))
            {
                if (field.Required)
                {
                    errors.Add(new(path, "required", "is required"));
                }
                else if (current is not null)
                {
                    edits.Add(new YamlEdit(field.Path, null));
                    changes.Add(new FieldChange(path, field.Label, current.Value, null));
                }

                continue;
            }

            if (!TryConvert(field, raw, out var value))
            {
                errors.Add(new(path, "type", field.Node.Type == FieldType.Boolean ? "must be true or false" : $"must be {(field.Node.Type == FieldType.Integer ? "a whole number" : "a number")}"));
                continue;
            }

            var inputErrors = SpecValidator.ValidateValue(field, value.Kind, value.Text, pod).ToArray();
            if (inputErrors.Length > 0)
            {
                errors.AddRange(inputErrors);
                continue;
            }

            if (current is not null && SameKind(field, current.Kind, value.Kind) && SameValue(field, current.Value, value.Text))
            {
                continue;
            }

            edits.Add(new YamlEdit(field.Path, value));
            changes.Add(new FieldChange(path, field.Label, current?.Value, value.Text));
        }

        return (edits, changes, errors);
    }

    private static bool TryConvert(SchemaField field, string raw, out ScalarValue value)
    {
        value = default;
        switch (field.Node.Type)
        {
            case FieldType.Boolean:
                var text = raw.Trim().ToLowerInvariant();
                if (text is "true" or "on")
                {
                    value = ScalarValue.Boolean(true);
                }
                else if (text == "false")
                {
                    value = ScalarValue.Boolean(false);
                }
                else
                {
                    return false;
                }

                return true;
            case FieldType.Integer:
                if (!long.TryParse(raw.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                {
                    return false;
                }

                value = ScalarValue.Integer(integer);
                return true;
            case FieldType.Number:
                if (!double.TryParse(raw.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
                {
                    return false;
                }

                value = number == Math.Floor(number) && Math.Abs(number) < 1e15 ? ScalarValue.Integer((long)number) : ScalarValue.Float(number);
                return true;
            default:
                value = ScalarValue.String(raw);
                return true;
        }
    }

    /// <summary>
    /// A number field holds integers and floats alike: <c>1.0</c> or <c>1e3</c> in the file is the number given as <c>1</c> or
    /// <c>1000</c>, not a change to rewrite it as.
    /// </summary>
    private static bool SameKind(SchemaField field, ScalarKind current, ScalarKind proposed) =>
        current == proposed
        || (field.Node.Type == FieldType.Number && current is ScalarKind.Integer or ScalarKind.Float && proposed is ScalarKind.Integer or ScalarKind.Float);

    private static bool SameValue(SchemaField field, string current, string proposed) => field.Node.Type switch
    {
        FieldType.Boolean => ScalarResolver.TryParseBoolean(current, out var a) && ScalarResolver.TryParseBoolean(proposed, out var b) && a == b,
        FieldType.Integer => ScalarResolver.TryParseInteger(current, out var x) && ScalarResolver.TryParseInteger(proposed, out var y) && x == y,
        FieldType.Number => double.TryParse(current, NumberStyles.Float, CultureInfo.InvariantCulture, out var m)
            && double.TryParse(proposed, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && m.Equals(n),
        _ => current == proposed,
    };

    private static string RenderNew(IEnumerable<YamlEdit> edits)
    {
        // A new file is the edits applied to an empty document, written as nested block mappings in schema order.
        var root = new SortedTree();
        foreach (var edit in edits.Where(e => e.Value is not null))
        {
            root.Add(edit.Path, edit.Value!.Value);
        }

        var builder = new StringBuilder();
        root.Render(builder, 0);
        return builder.ToString();
    }

    private static string? BoundValue(SchemaField field, PodId pod) => field.Node.Binding switch
    {
        FieldBinding.Customer => pod.Customer,
        FieldBinding.Environment => pod.Environment,
        _ => null,
    };

    private int EnvironmentOrder(string environment)
    {
        var index = paths.Environments.ToList().IndexOf(environment);
        return index < 0 ? int.MaxValue : index;
    }

    private static string DefaultTitle(ChangePreview preview)
    {
        if (preview.Kind == ChangeKind.Create)
        {
            return $"Create pod {preview.Pod}";
        }

        return preview.Changes.Count == 1
            ? $"Update {preview.Pod}: {preview.Changes[0].Path.Split('.')[^1]} → {preview.Changes[0].After ?? "(removed)"}"
            : $"Update {preview.Pod}: {preview.Changes.Count} fields";
    }

    private static string Describe(ChangePreview preview)
    {
        var builder = new StringBuilder()
            .Append(preview.Kind == ChangeKind.Create ? "New pod " : "Changes to ").Append(preview.Pod).Append(":\n\n");
        foreach (var change in preview.Changes)
        {
            builder.Append("- ").Append(change.Path).Append(": ")
                .Append(change.Before is null ? "(unset)" : Quote(change.Before)).Append(" → ")
                .Append(change.After is null ? "(removed)" : Quote(change.After)).Append('\n');
        }

        return builder.ToString();

        static string Quote(string value) => value.Length == 0 ? "\"\"" : value;
    }

    private static bool IsObjectId(string value) => ObjectIdPattern().IsMatch(value);

    [GeneratedRegex("^(?:[0-9a-f]{40}|[0-9a-f]{64})\\z")]
    private static partial Regex ObjectIdPattern();

    private sealed record DashboardCache(RepositorySnapshot Snapshot, IReadOnlyList<ChangeRequest> OpenChanges, Dashboard Dashboard);

    private sealed class SortedTree
    {
        private readonly List<(string Key, ScalarValue? Value, SortedTree? Children)> _entries = [];

        public void Add(IReadOnlyList<string> path, ScalarValue value)
        {
            if (path.Count == 1)
            {
                _entries.Add((path[0], value, null));
                return;
            }

            var index = _entries.FindIndex(e => e.Key == path[0] && e.Children is not null);
            if (index < 0)
            {
                _entries.Add((path[0], null, new SortedTree()));
                index = _entries.Count - 1;
            }

            _entries[index].Children!.Add(path.Skip(1).ToArray(), value);
        }

        public void Render(StringBuilder builder, int indent)
        {
            foreach (var (key, value, children) in _entries)
            {
                builder.Append(' ', indent).Append(key).Append(':');
                if (value is { } scalar)
                {
                    builder.Append(' ').Append(scalar.Kind == ScalarKind.String ? ScalarResolver.RenderString(scalar.Text, YamlDotNet.Core.ScalarStyle.Plain) : scalar.Text).Append('\n');
                }
                else
                {
                    builder.Append('\n');
                    children!.Render(builder, indent + 2);
                }
            }
        }
    }
}

/// <summary>Marks a store whose reads are local and cheap, so the dashboard may read every spec to flag broken ones.</summary>
public interface ILocalReads;
