using System.Text;
using SpecEditor.Specs.Yaml;

namespace SpecEditor.Tests.Specs.Yaml;

public sealed class YamlSourceParserTests
{
    [Fact]
    public void Nodes_remember_their_source_positions()
    {
        const string text = "a:\n  b: 'x'\n";

        var root = (YamlMapping)YamlSourceParser.Parse(text);

        var b = (YamlScalar)((YamlMapping)root["a"]!)["b"]!;
        Assert.Equal("'x'", text[b.ValueStart..b.End]);
        Assert.Equal(2, b.Line);
    }

    [Fact]
    public void An_alias_bomb_is_refused_without_being_expanded()
    {
        var bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (var level = 'b'; level <= 'j'; level++)
        {
            var previous = (char)(level - 1);
            bomb.Append(level).Append(": &").Append(level).Append(" [")
                .Append(string.Join(", ", Enumerable.Repeat("*" + previous, 10))).Append("]\n");
        }

        var error = Assert.Throws<YamlFormatException>(() => YamlSourceParser.Parse(bomb.ToString()));

        Assert.Contains("alias bomb", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Small_legitimate_aliases_are_accepted()
    {
        var root = (YamlMapping)YamlSourceParser.Parse("base: &b {size: small}\nother: *b\n");

        Assert.Same(root["base"], ((YamlAlias)root["other"]!).Target);
    }

    [Theory]
    [InlineData("a: 1\na: 2\n", "duplicate key 'a'", 2)]
    [InlineData("a: 1\n---\nb: 2\n", "more than one YAML document", 2)]
    [InlineData("a: [1, 2\nb: 3\n", "malformed YAML", 1)]
    [InlineData("a: *missing\n", "has no anchor", 1)]
    [InlineData("? [complex]\n: key\n", "plain text keys", 1)]
    public void Broken_files_report_what_and_where(string text, string? message, int line)
    {
        var error = Assert.Throws<YamlFormatException>(() => YamlSourceParser.Parse(text));

        if (message is not null)
        {
            Assert.Contains(message, error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(line, error.Line);
        Assert.StartsWith($"line {line}, column ", error.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Mangled_files_only_ever_fail_as_format_errors()
    {
        const string valid = "# spec\nmetadata:\n  customer: acme\nspec:\n  list: [a, 'b', {c: d}]\n  text: |\n    block\n  anchor: &x 1\n  alias: *x\n";
        const string noise = "[]{}:,&*!|>'\"%@`#-? \n\t\\";
        for (var seed = 0; seed < 2000; seed++)
        {
            var random = new Random(seed);
            var chars = valid.ToCharArray();
            for (var i = 0; i < random.Next(1, 6); i++)
            {
                chars[random.Next(chars.Length)] = noise[random.Next(noise.Length)];
            }

            var text = new string(chars);
            try
            {
                YamlSourceParser.Parse(text);
            }
            catch (YamlFormatException)
            {
            }
            catch (Exception ex)
            {
                Assert.Fail($"seed {seed}: {ex.GetType().Name} instead of a format error for:\n{text}");
            }
        }
    }

    [Fact]
    public void The_empty_file_is_refused()
    {
        Assert.Contains("empty", Assert.Throws<YamlFormatException>(() => YamlSourceParser.Parse("")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_is_refused()
    {
        var deep = string.Concat(Enumerable.Repeat("[", 100)) + string.Concat(Enumerable.Repeat("]", 100));

        Assert.Contains("deeper than", Assert.Throws<YamlFormatException>(() => YamlSourceParser.Parse(deep)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Documents_with_too_many_nodes_are_refused()
    {
        var wide = "[" + string.Join(",", Enumerable.Repeat("1", 20_000)) + "]";

        Assert.Contains("more than", Assert.Throws<YamlFormatException>(() => YamlSourceParser.Parse(wide)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("true", ScalarKind.Boolean)]
    [InlineData("False", ScalarKind.Boolean)]
    [InlineData("yes", ScalarKind.String)]
    [InlineData("12", ScalarKind.Integer)]
    [InlineData("0x1F", ScalarKind.Integer)]
    [InlineData("1.5e3", ScalarKind.Float)]
    [InlineData("~", ScalarKind.Null)]
    [InlineData("t3.small", ScalarKind.String)]
    public void Plain_scalars_resolve_by_the_yaml_1_2_core_schema(string value, ScalarKind kind)
    {
        Assert.Equal(kind, ScalarResolver.ResolvePlain(value));
    }
}
