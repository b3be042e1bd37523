using Grump.Hyper.Compiler.Diagnostics;
using static Grump.Hyper.Compiler.Tests.TestSources;

namespace Grump.Hyper.Compiler.Tests;

public sealed class ExtractionTests
{
    [Theory]
    [InlineData("We store everything in MongoDB.", "go")]
    [InlineData("The client library talks to our API.", "c")]
    [InlineData("We trust our users.", "rust")]
    [InlineData("Customers go to checkout and see the next page.", "go")]
    [InlineData("Customers go to checkout and see the next page.", "nextjs")]
    [InlineData("Spring sale banners on the landing page.", "spring")]
    [InlineData("Send order events so the warehouse can react.", "react")]
    public void Words_never_match_inside_other_words_or_as_plain_english(string body, string absent) =>
        Assert.DoesNotContain(Module(body).Tech, t => t.Canonical == absent);

    [Theory]
    [InlineData("The API is written in Go.", "go")]
    [InlineData("Use React with Next for the frontend.", "nextjs")]
    [InlineData("A service in Rust and Python.", "rust")]
    [InlineData("Build it with react and tailwind.", "react")]
    [InlineData("Host it on Fly.io with Postgres.", "fly.io")]
    [InlineData("Deploy to Kubernetes with k8s manifests.", "kubernetes")]
    [InlineData("Backend in C# on ASP.NET Core.", "csharp")]
    [InlineData("Backend in C# on ASP.NET Core.", "aspnet-core")]
    public void Technologies_are_found_as_names(string body, string expected) =>
        Assert.Contains(Module(body).Tech, t => t.Canonical == expected);

    [Fact]
    public void Multi_word_names_win_over_their_parts()
    {
        var module = Module("The shop runs on Ruby on Rails with a shopping cart.");
        Assert.Equal("rails", module.Tech("rails").Canonical);
        Assert.DoesNotContain(module.Tech, t => t.Canonical == "ruby");
        Assert.Equal("ruby on rails", module.Tech("rails").MatchedAs);
        Assert.Equal("shopping cart", module.Feature("shopping-cart").MatchedAs);
    }

    [Theory]
    [InlineData("react", "frontend")]
    [InlineData("postgresql", "database")]
    [InlineData("express", "backend")]
    [InlineData("docker", "devops")]
    [InlineData("typescript", "language")]
    [InlineData("stripe", "tool")]
    [InlineData("vercel", "cloud")]
    [InlineData("flutter", "framework")]
    public void Each_technology_has_its_category(string canonical, string category)
    {
        var module = Module("Use React, Express, Postgres, Docker, TypeScript, Stripe, Vercel and Flutter.");
        Assert.Equal(category, module.Tech(canonical).Category);
    }

    [Fact]
    public void Plurals_and_hyphen_variants_match()
    {
        var module = Module("Users get push notifications and real time updates; admins see webhooks.");
        Assert.Contains(module.Features, f => f.Name == "push-notifications");
        Assert.Contains(module.Features, f => f.Name == "real-time");
        Assert.Contains(module.Features, f => f.Name == "webhooks");
        Assert.Contains("user", module.Actors);
        Assert.Contains("admin", module.Actors);
    }

    [Fact]
    public void Negation_covers_every_item_of_a_list()
    {
        var module = Module("Customers pay by card; no email, SMS or push notifications for now.");
        Assert.True(module.Feature("email").Negated);
        Assert.True(module.Feature("sms").Negated);
        Assert.True(module.Feature("push-notifications").Negated);
        Assert.False(module.Feature("payments").Negated);
    }

    [Fact]
    public void Negation_stops_at_a_new_verb() // the peer's test: "Don't use React, build with Vue"
    {
        var module = Module("Don't use React, build with Vue.");
        Assert.True(module.Tech("react").Negated);
        Assert.False(module.Tech("vue").Negated);
    }

    [Fact]
    public void Negation_stops_at_but()
    {
        var module = Module("do not use angular but we prefer to use react instead");
        Assert.True(module.Tech("angular").Negated);
        Assert.False(module.Tech("react").Negated);
    }

    [Fact]
    public void Negation_runs_through_and_until_the_next_verb()
    {
        var module = Module("avoid react and angular use vue");
        Assert.True(module.Tech("react").Negated);
        Assert.True(module.Tech("angular").Negated);
        Assert.False(module.Tech("vue").Negated);
    }

    [Fact]
    public void Instead_of_negates_what_is_replaced()
    {
        var module = Module("Use Postgres instead of MongoDB, and Redis rather than Memcached.");
        Assert.False(module.Tech("postgresql").Negated);
        Assert.True(module.Tech("mongodb").Negated);
        Assert.True(module.Tech("memcached").Negated);
        Assert.False(module.Tech("redis").Negated);
    }

    [Fact]
    public void A_trailing_cue_negates_what_came_before_it()
    {
        var module = Module("Payments use Stripe. Elasticsearch is not allowed: it costs too much.");
        Assert.True(module.Tech("elasticsearch").Negated);
        Assert.False(module.Tech("stripe").Negated);
    }

    [Fact]
    public void A_new_clause_after_a_comma_is_not_negated()
    {
        var module = Module("Don't use MongoDB, Postgres is the database.");
        Assert.True(module.Tech("mongodb").Negated);
        Assert.False(module.Tech("postgresql").Negated);
    }

    [Fact]
    public void Without_followed_by_a_gerund_keeps_the_object()
    {
        var module = Module("Migrate the tables to PostgreSQL without breaking the API.");
        Assert.False(module.Feature("api").Negated);
        Assert.False(module.Tech("postgresql").Negated);
    }

    [Fact]
    public void Not_only_asks_for_both()
    {
        var module = Module("We need not only search but also analytics.");
        Assert.False(module.Feature("search").Negated);
        Assert.False(module.Feature("analytics").Negated);
    }

    [Fact]
    public void A_negated_technology_never_shows_up_as_wanted_and_is_warned_about()
    {
        var (text, marks) = Annotated("Use ⟦MongoDB for logs.\nWe don't use MongoDB for orders.\n");
        var result = Compile(text);
        Assert.True(result.Module!.Tech("mongodb").Negated);
        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal(("GH2002", marks[0].Line, marks[0].Column), (warning.Code, warning.Line, warning.Column));
        Assert.Contains("line 1", warning.Message, StringComparison.Ordinal);
        Assert.Contains("line 2", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Frameworks_that_exclude_each_other_are_warned_about()
    {
        var (text, marks) = Annotated("The storefront uses React.\nThe admin uses ⟦Vue.\n");
        var warning = Assert.Single(Compile(text).Diagnostics);
        Assert.Equal(("GH2003", marks[0].Line, marks[0].Column), (warning.Code, warning.Line, warning.Column));
    }

    [Theory]
    [InlineData("build auth and migrate the database", "authentication", "build")]
    [InlineData("build auth and migrate the database", "database", "migrate")]
    [InlineData("Integrate Stripe for card payments.", "payments", "integrate")]
    [InlineData("Remove the legacy admin panel.", "admin-panel", "remove")]
    [InlineData("Deploy the dashboard to production.", "dashboard", "deploy")]
    [InlineData("Refactor the checkout into smaller steps.", "checkout", "refactor")]
    [InlineData("Verifying the search results matters.", "search", "test")]
    [InlineData("Configure rate limiting per tenant.", "rate-limiting", "configure")]
    [InlineData("A dashboard for managers.", "dashboard", "build")]
    public void Each_feature_takes_the_verb_before_it(string body, string feature, string action)
    {
        var module = Module(body);
        Assert.Equal(action, module.Feature(feature).Action);
        Assert.True(module.Feature(feature).Planned); // work is planned for it (for "remove", the removal: see MentionStatusTests)
    }

    [Fact]
    public void Features_point_at_their_line_and_sentences_keep_provenance()
    {
        var module = Module("As an admin I manage users.\n\nWe need a dashboard with charts.\nAnd CSV export.\n");
        Assert.Equal(3, module.Feature("dashboard").Line);
        Assert.Equal(4, module.Feature("data-export").Line);
        var sentence = module.Sentences.Single(s => s.Features.Contains("dashboard"));
        Assert.Equal(3, sentence.Line);
        Assert.Equal(["charts", "dashboard"], sentence.Features);
    }

    [Theory]
    [InlineData("As a store owner, I want daily reports.", "seller")]
    [InlineData("As a data scientist I need exports.", "analyst")]
    [InlineData("As an event planner, I want a calendar.", "event planner")]
    [InlineData("Customers and their guests browse.", "guest")]
    public void Actors_come_from_as_a_phrases_and_role_nouns(string body, string actor) =>
        Assert.Contains(actor, Module(body).Actors);

    [Fact]
    public void Header_actors_come_first_and_are_merged_with_the_body()
    {
        var module = Module("---\nactors: [merchant]\n---\nMerchants and customers trade.");
        Assert.Equal(["seller", "customer"], module.Actors);
    }

    [Theory]
    [InlineData("Build a REST API with Express and PostgreSQL.", "api")]
    [InlineData("A dashboard in React backed by an Express server.", "web_app")]
    [InlineData("Build a microservice for invoices.", "microservice")]
    [InlineData("A command line tool to sync files.", "cli")]
    [InlineData("An iOS and Android app for drivers.", "mobile_app")]
    [InlineData("A client library for our API.", "library")]
    [InlineData("Something nice.", "unknown")]
    [InlineData("Don't build a mobile app; a dashboard in React.", "web_app")]
    public void The_project_type_follows_the_strongest_signal(string body, string type) =>
        Assert.Equal(type, Module(body).ProjectType);

    [Theory]
    [InlineData("Functions run on AWS Lambda.", "serverless")]
    [InlineData("Orders flow through Kafka.", "event_driven")]
    [InlineData("Split it into microservices.", "microservices")]
    [InlineData("A React site on Netlify.", "jamstack")]
    [InlineData("An Express server with Postgres.", "monolith")]
    public void The_architecture_follows_its_signals(string body, string architecture) =>
        Assert.Equal(architecture, Module(body).Architecture);

    [Fact]
    public void Feature_rules_give_dependencies_for_wanted_features_only()
    {
        var module = Module("An e-commerce site with chat. No dashboard.");
        var edges = module.Dependencies.Select(d => $"{d.From}->{d.To}").ToList();
        Assert.Contains("e-commerce->payments", edges);
        Assert.Contains("e-commerce->product-catalog", edges);
        Assert.Contains("chat->real-time", edges);
        Assert.Contains("chat->authentication", edges);
        Assert.DoesNotContain(edges, e => e.StartsWith("dashboard", StringComparison.Ordinal));
        Assert.Equal(edges.Order(StringComparer.Ordinal), edges);
    }

    [Fact]
    public void A_rich_intent_scores_higher_complexity_and_confidence_than_a_thin_one()
    {
        var rich = Module("As an admin I want an e-commerce platform with authentication, RBAC, a dashboard, payments, chat and notifications, built with React, Node.js, PostgreSQL, Redis, Docker and Stripe.");
        var thin = Module("Something nice.");
        Assert.True(rich.Complexity > 0.7, $"complexity {rich.Complexity}");
        Assert.True(rich.Confidence > thin.Confidence);
        Assert.InRange(rich.Confidence, 0, 1);
        Assert.Equal(0, thin.Complexity);
    }

    [Fact]
    public void The_peer_worked_example_reads_right()
    {
        var module = Module("As an admin, I want to build an e-commerce platform with authentication, RBAC, dashboard and payments using React, Node.js and PostgreSQL. Don't use Redis.");
        Assert.Equal("admin", module.Actors[0]);
        Assert.All(["e-commerce", "authentication", "role-based-access", "dashboard", "payments"], f => Assert.False(module.Feature(f).Negated));
        Assert.Equal(["react", "nodejs", "postgresql", "redis"], module.Tech.Select(t => t.Canonical));
        Assert.True(module.Tech("redis").Negated);
        Assert.Equal("web_app", module.ProjectType);
        Assert.Equal(1, module.Feature("authentication").Priority);
        // Node.js stays one word: the peer split the sentence there.
        Assert.Equal(2, module.Sentences.Length);
    }

    [Fact]
    public void Data_flows_are_found_and_negated_ones_left_out()
    {
        var module = Module("Stripe sends webhooks; orders go to a queue over REST. No GraphQL.");
        var kinds = module.DataFlows.Select(d => d.Kind).ToList();
        Assert.Contains("webhook", kinds);
        Assert.Contains("message-queue", kinds);
        Assert.Contains("rest", kinds);
        Assert.DoesNotContain("graphql", kinds);
    }

    [Fact]
    public void Invalid_utf8_is_an_error_at_the_first_bad_byte()
    {
        var bytes = "Build a cart.\nSecond line "u8.ToArray().Concat(new byte[] { 0xC3, 0x28 }).ToArray();
        var result = Modules.ModuleCompiler.Compile(new Modules.SourceFile("bad.intent", bytes), false, Modules.CompilationOptions.Default);
        Assert.Null(result.Module);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(("GH1010", 2, 13), (diagnostic.Code, diagnostic.Line, diagnostic.Column));
    }

    [Theory]
    [InlineData("\r", 2, 2)]
    [InlineData("\r\n", 2, 2)]
    [InlineData("\n", 2, 2)]
    public void Invalid_utf8_is_located_with_every_kind_of_line_break(string lineBreak, int line, int column)
    {
        // "a", a line break, "b", then a bad byte: the bad byte is the second character of line 2, whatever the break.
        var bytes = System.Text.Encoding.ASCII.GetBytes("a" + lineBreak + "b").Concat(new byte[] { 0xFF }).ToArray();
        var result = Modules.ModuleCompiler.Compile(new Modules.SourceFile("bad.intent", bytes), false, Modules.CompilationOptions.Default);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(("GH1010", line, column), (diagnostic.Code, diagnostic.Line, diagnostic.Column));
    }

    [Fact]
    public void A_file_over_the_size_limit_is_an_error_and_not_compiled()
    {
        var options = Modules.CompilationOptions.Default with { MaxSourceBytes = 10 };
        var result = Modules.ModuleCompiler.Compile(new Modules.SourceFile("big.intent", new byte[11]), false, options);
        Assert.Null(result.Module);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal((DiagnosticCatalog.FileTooLarge.Code, 1, 1), (diagnostic.Code, diagnostic.Line, diagnostic.Column));
        Assert.Equal("File is 11 bytes, over the limit of 10 bytes", diagnostic.Message);
    }

    [Fact]
    public void The_lexicons_are_well_past_the_peer()
    {
        var lexicon = Extraction.IntentLexicon.Default;
        Assert.True(lexicon.TechAliasCount >= 1200, $"{lexicon.TechAliasCount} tech aliases");
        Assert.True(lexicon.FeatureSynonymCount >= 1100, $"{lexicon.FeatureSynonymCount} feature synonyms");
    }
}
