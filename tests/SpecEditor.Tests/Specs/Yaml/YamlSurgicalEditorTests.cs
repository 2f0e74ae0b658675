using SpecEditor.Specs.Yaml;

namespace SpecEditor.Tests.Specs.Yaml;

public sealed class YamlSurgicalEditorTests
{
    private static string Edit(string text, params (string Path, ScalarValue? Value)[] edits) =>
        YamlSurgicalEditor.Apply(text, YamlSourceParser.Parse(text), edits.Select(e => new YamlEdit(e.Path.Split('.'), e.Value)));

    /// <summary>Parses the edited text again and follows a dotted path, so a test sees what a reader of the file would.</summary>
    private static YamlNode? Read(string text, string path) =>
        path.Split('.').Aggregate<string, YamlNode?>(YamlSourceParser.Parse(text), (node, key) => (node as YamlMapping)?[key]);

    [Fact]
    public void Replacing_a_value_changes_only_that_value()
    {
        const string original = """
            # Pod spec — keep me
            metadata:
              customer: acme   # the customer
              environment: dev
              owner: team-a    # unknown key, kept
            spec:
              compute:
                instance_type: t3.small # size
                instance_name: 'acme-dev'

            """;

        var edited = Edit(original, ("spec.compute.instance_type", ScalarValue.String("t3.large")));

        Assert.Equal(original.Replace("instance_type: t3.small #", "instance_type: t3.large #", StringComparison.Ordinal), edited);
    }

    [Fact]
    public void Quoting_style_of_the_old_value_is_kept()
    {
        const string original = "a: 'single'\nb: \"double\"\nc: plain\n";

        var edited = Edit(
            original,
            ("a", ScalarValue.String("it's")),
            ("b", ScalarValue.String("x\"y")),
            ("c", ScalarValue.String("z")));

        Assert.Equal("a: 'it''s'\nb: \"x\\\"y\"\nc: z\n", edited);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("on")]
    [InlineData("123")]
    [InlineData("1.5")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("a: b")]
    [InlineData("x #y")]
    [InlineData("- item")]
    [InlineData(" padded ")]
    [InlineData("")]
    public void Strings_that_would_read_as_something_else_are_quoted(string value)
    {
        var edited = Edit("name: old\n", ("name", ScalarValue.String(value)));

        var root = (YamlMapping)YamlSourceParser.Parse(edited);
        var scalar = Assert.IsType<YamlScalar>(root["name"]);
        Assert.Equal(value, scalar.Value);
        Assert.Equal(ScalarKind.String, scalar.Kind);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("off")]
    [InlineData("1:30")]
    [InlineData("2024-01-02")]
    [InlineData("2024-01-02T10:00:00Z")]
    [InlineData("2024-1-2 10:00:00 +02:00")]
    public void Strings_a_yaml_1_1_reader_would_take_for_booleans_numbers_or_dates_are_quoted(string value)
    {
        // Read the same by this app's YAML 1.2 reader either way, but PyYAML and other 1.1 readers would not get a string.
        var edited = Edit("name: old\n", ("name", ScalarValue.String(value)));

        Assert.Equal($"name: \"{value}\"\n", edited);
    }

    [Fact]
    public void Booleans_and_numbers_are_written_plain()
    {
        var edited = Edit("on: \"false\"\ncount: '3'\n", ("on", ScalarValue.Boolean(true)), ("count", ScalarValue.Integer(4)));

        Assert.Equal("on: true\ncount: 4\n", edited);
    }

    [Fact]
    public void A_missing_key_is_added_to_its_mapping_with_the_mapping_indentation()
    {
        const string original = "spec:\n    compute:\n        instance_type: t3.small   # size\n    other: 1\nlast: x\n";

        var edited = Edit(original, ("spec.compute.instance_name", ScalarValue.String("web-1")));

        Assert.Equal("spec:\n    compute:\n        instance_type: t3.small   # size\n        instance_name: web-1\n    other: 1\nlast: x\n", edited);
    }

    [Fact]
    public void Missing_parent_mappings_are_created_with_the_file_indent_unit()
    {
        const string original = "metadata:\n    customer: acme\nspec:\n    compute:\n        instance_type: t3.small\n";

        var edited = Edit(original, ("spec.security.waf.enabled", ScalarValue.Boolean(true)), ("spec.security.waf.mode", ScalarValue.String("block")));

        Assert.Equal(
            "metadata:\n    customer: acme\nspec:\n    compute:\n        instance_type: t3.small\n    security:\n        waf:\n            enabled: true\n            mode: block\n",
            edited);
    }

    [Fact]
    public void Keys_added_at_the_end_of_nested_and_outer_mappings_land_in_the_right_places()
    {
        const string original = "spec:\n  compute:\n    instance_type: t3.small";

        var edited = Edit(original, ("spec.compute.instance_name", ScalarValue.String("a")), ("spec.region", ScalarValue.String("eu")), ("top", ScalarValue.Integer(1)));

        Assert.Equal("spec:\n  compute:\n    instance_type: t3.small\n    instance_name: a\n  region: eu\ntop: 1", edited);
    }

    [Theory]
    [InlineData("spec:\n  security:\nnext: 1\n", "spec:\n  security:\n    waf:\n      enabled: true\nnext: 1\n")]
    [InlineData("spec:\n  security: ~ # nothing yet\n", "spec:\n  security: # nothing yet\n    waf:\n      enabled: true\n")]
    [InlineData("spec:\n  security: null\n", "spec:\n  security:\n    waf:\n      enabled: true\n")]
    public void An_empty_value_becomes_the_mapping_that_holds_the_new_key(string original, string expected)
    {
        Assert.Equal(expected, Edit(original, ("spec.security.waf.enabled", ScalarValue.Boolean(true))));
    }

    [Theory]
    [InlineData("spec:\n  compute:\n    size:\n    name: x\n", "spec.compute.size", "spec:\n  compute:\n    size: large\n    name: x\n")]
    [InlineData("spec:\n  a: 1\n  size:\n", "spec.size", "spec:\n  a: 1\n  size: large\n")]
    [InlineData("size:", "size", "size: large")]
    [InlineData("spec:\r\n  size:\r\n  c: 1\r\n", "spec.size", "spec:\r\n  size: large\r\n  c: 1\r\n")]
    [InlineData("spec:\n  size:   # pick one\n  c: 1\n", "spec.size", "spec:\n  size: large   # pick one\n  c: 1\n")]
    [InlineData("size: !!str\nc: 1\n", "size", "size: !!str large\nc: 1\n")]
    [InlineData("spec: {size: , c: 1}\n", "spec.size", "spec: {size: large, c: 1}\n")]
    public void An_empty_value_is_filled_in_after_a_space_and_before_its_comment(string original, string path, string expected)
    {
        var edited = Edit(original, (path, ScalarValue.String("large")));

        Assert.Equal(expected, edited);
        Assert.Equal("large", Assert.IsType<YamlScalar>(Read(edited, path)).Value);
    }

    [Theory]
    [InlineData("spec:\n  size:\nother: 1\n", "spec:\n  size: large\n  zone: a\nother: 1\n")]
    [InlineData("spec:\n  size:", "spec:\n  size: large\n  zone: a")]
    public void A_key_added_after_an_empty_value_that_is_filled_in_comes_after_it(string original, string expected)
    {
        Assert.Equal(expected, Edit(original, ("spec.size", ScalarValue.String("large")), ("spec.zone", ScalarValue.String("a"))));
    }

    [Fact]
    public void Removing_an_optional_value_removes_its_line_only()
    {
        const string original = "a: 1\nb: 2 # gone\nc: 3\n";

        Assert.Equal("a: 1\nc: 3\n", Edit(original, ("b", null)));
    }

    [Fact]
    public void Removing_an_empty_tagged_value_removes_its_line_only()
    {
        // The parser places an empty tagged value at the start of the next line; that line is not part of the entry.
        Assert.Equal("a: 1\nc: 3\n", Edit("a: 1\nb: !!str\nc: 3\n", ("b", null)));
    }

    [Fact]
    public void Windows_line_endings_are_kept_for_new_lines()
    {
        const string original = "spec:\r\n  a: 1\r\n";

        Assert.Equal("spec:\r\n  a: 2\r\n  b: x\r\n", Edit(original, ("spec.a", ScalarValue.Integer(2)), ("spec.b", ScalarValue.String("x"))));
    }

    [Fact]
    public void A_block_scalar_value_is_replaced_without_eating_the_lines_after_it()
    {
        const string original = "note: |\n  line one\n  line two\n\nafter: 1\n";

        var edited = Edit(original, ("note", ScalarValue.String("short")));

        Assert.Equal("note: short\n\nafter: 1\n", edited);
    }

    [Theory]
    [InlineData("note: | # keep me\n  text\nb: 1\n", "note: short # keep me\nb: 1\n")]
    [InlineData("note: >-2   # folded\n    text\n    more\n\nb: 1\n", "note: short   # folded\n\nb: 1\n")]
    [InlineData("note: |+ # crlf\r\n  text\r\nb: 1\r\n", "note: short # crlf\r\nb: 1\r\n")]
    public void A_block_scalar_replaced_by_a_short_value_keeps_the_comment_on_its_header_line(string original, string expected)
    {
        Assert.Equal(expected, Edit(original, ("note", ScalarValue.String("short"))));
    }

    [Fact]
    public void Anchors_and_tags_before_a_value_are_kept()
    {
        Assert.Equal("name: !!str new\n", Edit("name: !!str old\n", ("name", ScalarValue.String("new"))));
    }

    [Fact]
    public void Values_reached_through_an_alias_are_refused()
    {
        const string original = "base: &b\n  size: small\nspec: *b\n";

        var error = Assert.Throws<YamlEditException>(() => Edit(original, ("spec.size", ScalarValue.String("big"))));
        Assert.Contains("alias", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Anchored_values_are_refused_because_other_places_share_them()
    {
        var error = Assert.Throws<YamlEditException>(() => Edit("a: &x 1\nb: *x\n", ("a", ScalarValue.Integer(2))));
        Assert.Contains("anchored", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("spec:\n  compute: &c\n    size: small\nother:\n  compute: *c\n", "spec.compute.size", "&c")]
    [InlineData("spec: &s\n  compute:\n    size: small\nother: *s\n", "spec.compute.size", "&s")]
    [InlineData("base: &b\n  size: small\nspec:\n  <<: *b\n  zone: a\n", "base.size", "&b")]
    [InlineData("spec:\n  compute: &c\n    size: small\nother:\n  compute: *c\n", "spec.compute.zone", "&c")]
    [InlineData("spec:\n  compute: &c\nother:\n  compute: *c\n", "spec.compute.zone", "&c")]
    public void Values_in_a_mapping_an_alias_shares_are_refused_when_set_or_added(string original, string path, string anchor)
    {
        // Changing them would also change every place the alias stands for.
        var error = Assert.Throws<YamlEditException>(() => Edit(original, (path, ScalarValue.String("large"))));

        Assert.Contains("anchored", error.Message, StringComparison.Ordinal);
        Assert.Contains(anchor, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_in_a_mapping_an_alias_shares_are_refused_when_removed()
    {
        const string original = "spec: &s\n  size: small\n  zone: a\nother: *s\n";

        Assert.Throws<YamlEditException>(() => Edit(original, ("spec.zone", null)));
    }

    [Fact]
    public void Values_in_an_anchored_mapping_that_no_alias_uses_can_be_changed()
    {
        Assert.Equal("spec: &s\n  size: large\n  zone: a\n", Edit("spec: &s\n  size: small\n", ("spec.size", ScalarValue.String("large")), ("spec.zone", ScalarValue.String("a"))));
    }

    [Fact]
    public void Adding_inside_a_flow_mapping_is_refused()
    {
        var error = Assert.Throws<YamlEditException>(() => Edit("spec: {a: 1}\n", ("spec.b", ScalarValue.Integer(2))));
        Assert.Contains("flow mapping", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a, b")]
    [InlineData("x}y")]
    [InlineData("x{y")]
    [InlineData("x]y")]
    [InlineData("x[y")]
    [InlineData("k:v")]
    public void Strings_with_flow_indicators_are_quoted_inside_flow_mappings(string value)
    {
        // Inside {…} a comma or bracket ends a plain value: written plain, "a, b" would become a new key and "x}y" unreadable.
        var edited = Edit("spec: {note: old, size: 1}\n", ("spec.note", ScalarValue.String(value)));

        var spec = Assert.IsType<YamlMapping>(Read(edited, "spec"));
        Assert.Equal(["note", "size"], spec.Entries.Select(e => e.Key.Value));
        Assert.Equal(value, Assert.IsType<YamlScalar>(spec["note"]).Value);
        Assert.Equal("1", Assert.IsType<YamlScalar>(spec["size"]).Value);
    }

    [Fact]
    public void The_same_strings_stay_plain_in_block_mappings()
    {
        Assert.Equal("note: a, b}\n", Edit("note: old\n", ("note", ScalarValue.String("a, b}"))));
    }

    [Fact]
    public void Values_inside_flow_mappings_can_still_be_changed()
    {
        Assert.Equal("spec: {a: 2, b: x}\n", Edit("spec: {a: 1, b: x}\n", ("spec.a", ScalarValue.Integer(2))));
    }
}
