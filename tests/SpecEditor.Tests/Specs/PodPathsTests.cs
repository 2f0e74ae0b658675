using Microsoft.Extensions.Options;
using SpecEditor.Specs;

namespace SpecEditor.Tests.Specs;

public sealed class PodPathsTests
{
    private readonly PodPaths _paths = new(Options.Create(new SpecsSettings { SpecsPath = "infra/specs/", Environments = "dev, stg,prd" }));

    [Theory]
    [InlineData("acme", "dev")]
    [InlineData("a", "prd")]
    [InlineData("acme-corp-2", "stg")]
    public void Valid_pods_map_to_their_spec_file(string customer, string environment)
    {
        Assert.True(_paths.TryCreate(customer, environment, out var pod));
        Assert.Equal($"infra/specs/{customer}/{environment}/spec.yml", _paths.SpecPath(pod));
    }

    [Theory]
    [InlineData("..", "dev")]
    [InlineData("acme/../../etc", "dev")]
    [InlineData("acme", "../dev")]
    [InlineData("Acme", "dev")]
    [InlineData("acme_corp", "dev")]
    [InlineData("-acme", "dev")]
    [InlineData("acme-", "dev")]
    [InlineData("ac me", "dev")]
    [InlineData("", "dev")]
    [InlineData("acme", "DEV")]
    [InlineData("acme%2f..", "dev")]
    [InlineData("acme\0", "dev")]
    [InlineData("acme\n", "dev")]
    [InlineData("acme", "dev\n")]
    public void Names_that_could_leave_the_specs_folder_or_break_the_rules_are_refused(string customer, string environment)
    {
        Assert.False(_paths.TryCreate(customer, environment, out _));
        Assert.NotEmpty(_paths.Check(customer, environment));
        Assert.Throws<ArgumentException>(() => _paths.SpecPath(new PodId(customer, environment)));
    }

    [Fact]
    public void An_environment_outside_the_configured_list_names_the_allowed_ones()
    {
        Assert.False(_paths.TryCreate("acme", "qa", out _));
        var error = Assert.Single(_paths.Check("acme", "qa"));

        Assert.Equal(("environment", "enum"), (error.Path, error.Rule));
        Assert.Contains("dev, stg, prd", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("infra/specs/acme/dev/spec.yml", true)]
    [InlineData("infra/specs/acme/qa/spec.yml", false)]
    [InlineData("infra/specs/acme/dev/other.yml", false)]
    [InlineData("infra/specs/acme/dev/extra/spec.yml", false)]
    [InlineData("specs/acme/dev/spec.yml", false)]
    [InlineData("infra/specs/Acme/dev/spec.yml", false)]
    public void Only_well_formed_spec_paths_are_pods(string path, bool isPod)
    {
        Assert.Equal(isPod, _paths.TryParseSpecPath(path, out _));
    }
}
