using System.Collections.Concurrent;

namespace SpecEditor.Specs.Schema;

/// <summary>
/// The schema in force for a snapshot: the repository's own <c>spec.schema.yml</c> when it has one, otherwise the built-in one.
/// Parsed schemas, and schemas found broken, are cached by blob id; a failed read is not.
/// </summary>
public sealed class SchemaProvider(ISpecStore store)
{
    private static readonly Lazy<SpecSchema> BuiltIn = new(LoadBuiltIn);
    private readonly ConcurrentDictionary<string, Lazy<Task<SpecSchema>>> _byBlob = new(StringComparer.Ordinal);

    public static SpecSchema Default => BuiltIn.Value;

    /// <summary>The schema for the snapshot; throws <see cref="InvalidSchemaException"/> when the repository's schema is broken.</summary>
    public async ValueTask<SpecSchema> GetAsync(RepositorySnapshot snapshot, CancellationToken cancellationToken)
    {
        if (snapshot.SchemaBlobSha is not { } sha)
        {
            return Default;
        }

        var load = _byBlob.GetOrAdd(sha, key => new Lazy<Task<SpecSchema>>(() => LoadAsync(key)));
        try
        {
            return await load.Value.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not InvalidSchemaException)
        {
            // A blob's content never changes, so a broken schema stays broken; a failed read (GitHub down, a rate limit, a
            // refused token) says nothing about the blob and must not be served until restart. Only this load is dropped:
            // a retry may already have put a newer one in its place.
            _byBlob.TryRemove(new KeyValuePair<string, Lazy<Task<SpecSchema>>>(sha, load));
            throw;
        }
    }

    private async Task<SpecSchema> LoadAsync(string sha)
    {
        var bytes = await store.ReadBlobAsync(sha, CancellationToken.None).ConfigureAwait(false);
        try
        {
            return SpecSchema.Parse(SpecText.Decode(bytes).Text, PodPaths.SchemaFileName);
        }
        catch (Exception ex) when (ex is SchemaFormatException or Yaml.YamlFormatException)
        {
            throw new InvalidSchemaException(ex.Message);
        }
    }

    private static SpecSchema LoadBuiltIn()
    {
        using var stream = typeof(SchemaProvider).Assembly.GetManifestResourceStream("SpecEditor.Specs.Schema.default-schema.yml")
            ?? throw new InvalidOperationException("the built-in schema is missing from the assembly");
        using var reader = new StreamReader(stream);
        return SpecSchema.Parse(reader.ReadToEnd(), "built-in schema");
    }
}
