using Grump.Hyper.Compiler.Diagnostics;
using static Grump.Hyper.Compiler.Tests.TestSources;

namespace Grump.Hyper.Compiler.Tests;

public sealed class HeaderTests
{
    [Fact]
    public void Every_known_key_is_read_with_lists_quotes_and_comments()
    {
        var module = Module("""
            ---
            id: Checkout            # ids are lower-cased
            title: "Checkout: the flow"
            actors: [customer, "store owner", admin]
            route: /checkout
            depends: [cart, payments/stripe]
            lazy: true
            priority: 2
            tags: [web, C#]
            ---
            As a customer I want to pay.
            """);

        Assert.Equal("checkout", module.Id);
        Assert.Equal("Checkout: the flow", module.Title);
        Assert.Equal(["customer", "seller", "admin"], module.Actors.Take(3));
        Assert.Equal("/checkout", module.Route);
        Assert.Equal(["cart", "payments/stripe"], module.Depends);
        Assert.True(module.Lazy);
        Assert.Equal(2, module.Priority);
        Assert.Equal(["web", "c#"], module.Tags);
    }

    [Fact]
    public void Without_a_header_the_id_comes_from_the_path()
    {
        var result = Compile("Build a cart.", "Payments/Stripe Checkout.intent");
        Assert.Equal("payments/stripe-checkout", result.Module!.Id);
        Assert.Equal(3, result.Module.Priority);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void A_bom_and_crlf_line_endings_are_accepted()
    {
        var result = Compile("\uFEFF---\r\nid: crlf\r\nroute: /x\r\n---\r\nBuild a dashboard.\r\n");
        Assert.Empty(result.Diagnostics);
        Assert.Equal("crlf", result.Module!.Id);
        Assert.Equal("/x", result.Module.Route);
        Assert.Equal(5, result.Module.Feature("dashboard").Line);
    }

    [Fact]
    public void A_line_without_a_colon_is_malformed_at_the_point_it_fails() => AssertDiagnostics("""
        ---
        title⟦ Checkout
        ---
        Build a cart.
        """, "GH1001");

    [Fact]
    public void A_line_that_does_not_start_with_a_key_is_malformed() => AssertDiagnostics("""
        ---
        ⟦- item
        ---
        Build a cart.
        """, "GH1001");

    [Fact]
    public void An_unclosed_header_is_reported_at_its_start_and_the_text_is_read_as_body()
    {
        var (text, marks) = Annotated("⟦---\nid: open\nBuild a cart with Stripe.\n");
        var result = Compile(text);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(("GH1002", marks[0].Line, marks[0].Column), (diagnostic.Code, diagnostic.Line, diagnostic.Column));
        Assert.Contains(result.Module!.Features, f => f.Name == "shopping-cart");
    }

    [Theory]
    [InlineData("priority: ⟦9")]
    [InlineData("priority: ⟦high")]
    [InlineData("lazy: ⟦sometimes")]
    [InlineData("route: ⟦checkout")]
    [InlineData("route: ⟦/check out")]
    [InlineData("id: ⟦Bad Id!")]
    [InlineData("depends: [cart, ⟦../etc]")]
    [InlineData("title: ⟦[a, b]")]
    public void A_value_of_the_wrong_kind_is_reported_at_the_value(string line) => AssertDiagnostics($"---\n{line}\n---\nBuild a cart.\n", "GH1003");

    [Fact]
    public void A_key_given_twice_is_reported_at_the_second() => AssertDiagnostics("""
        ---
        title: One
        ⟦title: Two
        ---
        Build a cart.
        """, "GH1004");

    [Fact]
    public void A_key_given_twice_names_the_line_that_set_it_first()
    {
        var result = TestSources.Compile("---\nid: cart\n\nTitle: One\ntitle: Two\n---\nBuild a cart.\n");
        Assert.Contains(result.Diagnostics, d => d.Code == "GH1004" && d.Line == 5 && d.Message.EndsWith("already set on line 4", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unterminated_string_is_reported_at_its_quote() => AssertDiagnostics("""
        ---
        title: ⟦"Checkout
        ---
        Build a cart.
        """, "GH1005");

    [Fact]
    public void An_unterminated_list_is_reported_at_its_opening_bracket() => AssertDiagnostics("""
        ---
        tags: ⟦[web, api
        ---
        Build a cart.
        """, "GH1006");

    [Fact]
    public void A_nested_list_is_reported_at_the_inner_bracket() => AssertDiagnostics("""
        ---
        tags: [web, ⟦[api]]
        ---
        Build a cart.
        """, "GH1007");

    [Fact]
    public void Deeply_nested_brackets_give_one_diagnostic_and_never_throw()
    {
        var result = Compile("---\ntags: [" + new string('[', 10_000) + "\n---\nBuild a cart.\n");
        Assert.Equal("GH1007", Assert.Single(result.Diagnostics).Code);
    }

    [Fact]
    public void Text_after_a_value_is_malformed() => AssertDiagnostics("""
        ---
        tags: [web] ⟦extra
        ---
        Build a cart.
        """, "GH1001");

    [Fact]
    public void An_unknown_key_is_a_warning_at_the_key()
    {
        var (text, marks) = Annotated("---\n⟦owner: team-a\n---\nBuild a cart.\n");
        var diagnostic = Assert.Single(Compile(text).Diagnostics);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Equal(("GH2001", marks[0].Line, marks[0].Column), (diagnostic.Code, diagnostic.Line, diagnostic.Column));
        Assert.Equal("m.intent:2:1: warning GH2001: Unknown header key 'owner' is ignored", diagnostic.ToString());
    }

    [Fact]
    public void An_empty_body_is_a_warning() => AssertDiagnostics("---\nid: empty\n---\n⟦", "GH2004");

    [Fact]
    public void A_known_key_in_another_case_is_read_and_warned_about()
    {
        var (text, marks) = Annotated("---\n⟦ID: checkout\n⟦Route: /pay\n---\nBuild a cart.\n");
        var result = Compile(text);
        Assert.Equal([("GH2008", marks[0].Line, marks[0].Column), ("GH2008", marks[1].Line, marks[1].Column)],
            result.Diagnostics.Select(d => (d.Code, d.Line, d.Column)));
        Assert.Contains("'ID' is read as 'id'", result.Diagnostics[0].Message, StringComparison.Ordinal);
        Assert.Equal(("checkout", "/pay"), (result.Module!.Id, result.Module.Route));
    }

    [Fact]
    public void Empty_list_items_are_warned_about_and_left_out()
    {
        var (text, marks) = Annotated("---\ndepends: [a, ⟦, b,⟦]\n---\nBuild a cart.\n");
        var result = Compile(text);
        Assert.Equal([("GH2009", marks[0].Line, marks[0].Column), ("GH2009", marks[1].Line, marks[1].Column)],
            result.Diagnostics.Where(d => d.Code == "GH2009").Select(d => (d.Code, d.Line, d.Column)));
        Assert.Equal(["a", "b"], result.Module!.Depends);
    }

    [Fact]
    public void A_key_with_letters_outside_ascii_is_an_unknown_key_not_a_broken_line() => AssertDiagnostics("""
        ---
        ⟦tïtle: Checkout
        ---
        Build a cart.
        """, "GH2001");
}
