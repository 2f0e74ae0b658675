using Pulumi;
using Pulumi.Testing;
using SpecEditor.Infra.Settings;

namespace SpecEditor.Infra.Tests.TestSupport;

/// <summary>The result of running the whole program against the mocked cloud.</summary>
internal sealed class StackRun
{
    private StackRun(MockCloud cloud, IDictionary<string, object?> outputs)
    {
        Resources = cloud.Resources;
        Invokes = cloud.Invokes;
        Outputs = outputs;
    }

    public IReadOnlyList<RecordedResource> Resources { get; }

    public IReadOnlyList<MockCallArgs> Invokes { get; }

    /// <summary>Stack outputs as the program returned them (mostly <see cref="Output{T}"/>).</summary>
    public IDictionary<string, object?> Outputs { get; }

    /// <summary>Reads the config through the real settings reader and runs the program with mocks (an update unless <paramref name="preview"/>).</summary>
    public static async Task<StackRun> RunAsync(IReadOnlyDictionary<string, string> config, string stack = "dev", MockCloudOptions? options = null, bool preview = false)
    {
        var cloud = new MockCloud(options ?? new MockCloudOptions());
        var root = RepositoryRoot.Path;
        var (_, outputs) = await Deployment.TestAsync(
            cloud.Mock.Object,
            new TestOptions { ProjectName = StackConfigs.Project, StackName = stack, IsPreview = preview, RootDirectory = root },
            () =>
            {
                var settings = StackSettingsReader.Read(new DictionaryConfigSource(config), StackConfigs.Project, stack);
                return (IDictionary<string, object?>)SpecEditorStack.Define(settings, root);
            });
        return new StackRun(cloud, outputs);
    }

    public IEnumerable<RecordedResource> OfType(string type) => Resources.Where(resource => resource.Type == type);

    public RecordedResource Single(string type) => Assert.Single(OfType(type));

    public RecordedResource Named(string type, string name) => Assert.Single(OfType(type), resource => resource.Name == name);

    public async Task<string> OutputAsync(string name)
    {
        Assert.True(Outputs.TryGetValue(name, out var value), $"the stack has no output '{name}'");
        return value switch
        {
            Output<string> output => await ValueAsync(output),
            string text => text,
            _ => throw new InvalidOperationException($"output {name} is a {value?.GetType().Name}"),
        };
    }

    public async Task<bool> IsSecretOutputAsync(string name) => Outputs[name] is Output<string> output && await Output.IsSecretAsync(output);

    private static Task<T> ValueAsync<T>(Output<T> output)
    {
        var value = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        output.Apply(v =>
        {
            value.SetResult(v);
            return v;
        });
        return value.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
