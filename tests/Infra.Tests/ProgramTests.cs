using Moq;
using Pulumi;
using Pulumi.Testing;
using SpecEditor.Infra.Settings;
using SpecEditor.Infra.Tests.TestSupport;

namespace SpecEditor.Infra.Tests;

/// <summary>The program as `pulumi up` runs it: config from the engine (PULUMI_CONFIG), settings, then resources.</summary>
public sealed class ProgramTests
{
    [Fact]
    public async Task Wrong_config_stops_the_program_with_the_key_named_before_any_resource_is_declared()
    {
        var mocks = new Mock<IMocks>();
        var previous = Environment.GetEnvironmentVariable("PULUMI_CONFIG");
        Environment.SetEnvironmentVariable("PULUMI_CONFIG", """{"spec-editor:target":"ec2","spec-editor:registry":"quay"}""");
        try
        {
            var error = await Assert.ThrowsAsync<RunException>(() => Deployment.TestAsync(
                mocks.Object,
                new TestOptions { ProjectName = StackConfigs.Project, StackName = "dev", IsPreview = true, RootDirectory = RepositoryRoot.Path },
                () =>
                {
                    var settings = StackSettingsReader.Read(new PulumiConfigSource(), Deployment.Instance.ProjectName, Deployment.Instance.StackName);
                    return (IDictionary<string, object?>)SpecEditorStack.Define(settings, Deployment.Instance.RootDirectory);
                }));

            Assert.Contains("spec-editor:registry: 'quay' is not allowed; use one of ghcr, ecr", error.Message, StringComparison.Ordinal);
            mocks.Verify(m => m.NewResourceAsync(It.IsAny<MockResourceArgs>()), Times.Never);
            mocks.Verify(m => m.CallAsync(It.IsAny<MockCallArgs>()), Times.Never);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PULUMI_CONFIG", previous);
        }
    }
}
