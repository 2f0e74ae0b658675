using SpecEditor.Specs;
using SpecEditor.Specs.Schema;
using SpecEditor.Specs.Yaml;

namespace SpecEditor.Tests.Specs.Schema;

public sealed class SpecSchemaTests
{
    private static readonly PodId Acme = new("acme", "dev");

    private static IReadOnlyList<ValidationError> Validate(string spec, SpecSchema? schema = null) =>
        SpecValidator.Validate(schema ?? SchemaProvider.Default, YamlSourceParser.Parse(spec), Acme);

    private const string ValidSpec = """
        metadata:
          customer: acme
          environment: dev
        spec:
          compute:
            instance_name: acme-dev-1
            instance_type: t3.small
          security:
            waf:
              enabled: true
        """;

    [Fact]
    public void The_built_in_schema_gives_the_default_pod_form()
    {
        var fields = SchemaProvider.Default.Fields.Select(f => f.DottedPath).ToArray();

        Assert.Equal(["metadata.customer", "metadata.environment", "spec.compute.instance_name", "spec.compute.instance_type", "spec.security.waf.enabled"], fields);
        Assert.Equal(FieldBinding.Customer, SchemaProvider.Default.FieldsByPath["metadata.customer"].Node.Binding);
        Assert.Equal(FieldType.Boolean, SchemaProvider.Default.FieldsByPath["spec.security.waf.enabled"].Node.Type);
    }

    [Fact]
    public void A_valid_spec_has_no_errors_and_unknown_keys_are_allowed()
    {
        Assert.Empty(Validate(ValidSpec + "\n  extra: {anything: [1, 2]}\n"));
    }

    [Theory]
    [InlineData("instance_name: acme-dev-1", "instance_name: Acme_Dev", "spec.compute.instance_name", "pattern")]
    [InlineData("instance_name: acme-dev-1", "instance_name: -acme", "spec.compute.instance_name", "pattern")]
    [InlineData("instance_name: acme-dev-1", "instance_name: 12345", "spec.compute.instance_name", "type")]
    [InlineData("instance_type: t3.small", "instance_type: t3.huge", "spec.compute.instance_type", "enum")]
    [InlineData("enabled: true", "enabled: 'true'", "spec.security.waf.enabled", "type")]
    [InlineData("enabled: true", "enabled: yes", "spec.security.waf.enabled", "type")]
    [InlineData("customer: acme", "customer: globex", "metadata.customer", "x-bind")]
    [InlineData("environment: dev", "environment: prd", "metadata.environment", "x-bind")]
    [InlineData("    instance_type: t3.small\n", "", "spec.compute.instance_type", "required")]
    [InlineData("instance_type: t3.small", "instance_type:", "spec.compute.instance_type", "required")]
    public void Errors_name_the_field_path_and_the_rule(string from, string to, string path, string rule)
    {
        var errors = Validate(ValidSpec.Replace(from, to, StringComparison.Ordinal));

        var error = Assert.Single(errors);
        Assert.Equal(path, error.Path);
        Assert.Equal(rule, error.Rule);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Every_broken_rule_is_reported()
    {
        var errors = Validate(ValidSpec.Replace("instance_name: acme-dev-1", "instance_name: a234567890123456789012345678901", StringComparison.Ordinal));

        Assert.Equal(["maxLength", "pattern"], errors.Select(e => e.Rule).Order());
        Assert.All(errors, e => Assert.Equal("spec.compute.instance_name", e.Path));
    }

    [Fact]
    public void A_trailing_newline_breaks_the_built_in_instance_name_pattern()
    {
        var field = SchemaProvider.Default.FieldsByPath["spec.compute.instance_name"];

        var typed = Assert.Single(SpecValidator.ValidateValue(field, ScalarKind.String, "acme-dev\n", Acme));
        var inFile = Assert.Single(Validate(ValidSpec.Replace("instance_name: acme-dev-1", "instance_name: \"acme-dev-1\\n\"", StringComparison.Ordinal)));

        Assert.Equal(("spec.compute.instance_name", "pattern"), (typed.Path, typed.Rule));
        Assert.Equal(("spec.compute.instance_name", "pattern"), (inFile.Path, inFile.Rule));
    }

    [Theory]
    [InlineData("^[a-z]+$", "abc", true)]
    [InlineData("^[a-z]+$", "abc\n", false)]
    [InlineData("[a-z]$", "abc\n", false)]
    [InlineData("^(a|b$)", "b\n", false)]
    [InlineData("^(a|b$)", "a\n", true)]
    [InlineData("^[a-z]+", "abc\n", true)]
    [InlineData("^[a-z$]+$", "a$", true)]
    [InlineData("^a\\$$", "a$", true)]
    [InlineData("^a\\$$", "a$\n", false)]
    [InlineData("^[]$]$", "$", true)]
    public void Dollar_in_a_schema_pattern_matches_only_at_the_end_of_the_value_as_in_json_schema(string pattern, string value, bool matches)
    {
        // JSON Schema patterns are ECMAScript regular expressions, where '$' never matches before a final line break.
        var schema = SpecSchema.Parse($"type: object\nproperties:\n  name: {{type: string, pattern: {ScalarResolver.SingleQuote(pattern)}}}\n", "specs/spec.schema.yml");

        var errors = SpecValidator.ValidateValue(schema.FieldsByPath["name"], ScalarKind.String, value, Acme);

        Assert.Equal(matches, !errors.Any());
    }

    [Fact]
    public void A_mapping_where_a_value_belongs_is_a_type_error()
    {
        var error = Assert.Single(Validate(ValidSpec.Replace("instance_type: t3.small", "instance_type: {size: small}", StringComparison.Ordinal)));

        Assert.Equal(("spec.compute.instance_type", "type"), (error.Path, error.Rule));
    }

    [Fact]
    public void A_repository_schema_drives_fields_and_rules()
    {
        var schema = SpecSchema.Parse(
            """
            type: object
            required: [app]
            properties:
              app:
                type: object
                required: [replicas]
                properties:
                  replicas: {type: integer, minimum: 1, maximum: 10, title: Replicas}
                  ratio: {type: number, maximum: 1.5}
                  tier: {type: string, enum: [gold, silver]}
            """,
            "specs/spec.schema.yml");

        Assert.Equal(["app.replicas", "app.ratio", "app.tier"], schema.Fields.Select(f => f.DottedPath));
        Assert.True(schema.FieldsByPath["app.replicas"].Required);
        Assert.False(schema.FieldsByPath["app.tier"].Required);
        Assert.Empty(Validate("app:\n  replicas: 3\n  ratio: 0.5\n", schema));
        Assert.Equal("maximum", Assert.Single(Validate("app:\n  replicas: 11\n", schema)).Rule);
        Assert.Equal("maximum", Assert.Single(Validate("app:\n  replicas: 1\n  ratio: 2.5\n", schema)).Rule);
        Assert.Equal("type", Assert.Single(Validate("app:\n  replicas: many\n", schema)).Rule);
        Assert.Equal("required", Assert.Single(Validate("other: 1\n", schema)).Rule);
    }

    [Theory]
    [InlineData("type: object\nproperties:\n  a: {type: text}\n", "not one of")]
    [InlineData("type: object\nproperties:\n  a: {type: string, pattern: '(unclosed'}\n", "regular expression")]
    [InlineData("type: object\nproperties:\n  a: {type: string, pattern: '(a)\\1'}\n", "regular expression")]
    [InlineData("type: object\nproperties:\n  a: {type: string, format: email}\n", "does not support")]
    [InlineData("type: object\nrequired: [b]\nproperties:\n  a: {type: string}\n", "not a property")]
    [InlineData("type: string\n", "root must have type: object")]
    [InlineData("type: object\nproperties:\n  a: {type: string, enum: []}\n", "enum is empty")]
    [InlineData("type: object\nproperties: [a]\n", "must be a mapping")]
    [InlineData("type: object\nproperties:\n  a: {type: string, x-bind: region}\n", "x-bind")]
    public void A_broken_schema_says_what_is_wrong(string yaml, string message)
    {
        var error = Assert.Throws<SchemaFormatException>(() => SpecSchema.Parse(yaml, "specs/spec.schema.yml"));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("specs/spec.schema.yml", error.Message, StringComparison.Ordinal);
    }
}
