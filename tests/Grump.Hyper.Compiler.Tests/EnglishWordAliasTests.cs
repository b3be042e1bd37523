using static Grump.Hyper.Compiler.Tests.TestSources;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// Every technology alias that is also an English word ("?" in tech.txt) has a sentence in which it is plain English
/// and is not read as the technology, even beside another technology, and a sentence in which it is the technology.
/// </summary>
public sealed class EnglishWordAliasTests
{
    /// <summary>alias: (canonical, an English sentence, a sentence naming the technology).</summary>
    private static readonly Dictionary<string, (string Canonical, string English, string Tech)> Cases = new()
    {
        ["go"] = ("go", "We go with Postgres for the database.", "The API is written in Go."),
        ["next"] = ("nextjs", "Show related items next to the cart, using React.", "The frontend uses React with Next."),
        ["spring"] = ("spring", "Plan the spring sale banners with Stripe.", "The backend runs on Spring with Postgres."),
        ["express"] = ("express", "Offer express delivery and Stripe payments.", "A small backend on Node.js with Express."),
        ["swift"] = ("swift", "Support promises a swift response on Zendesk.", "The iOS app is written in Swift."),
        ["rust"] = ("rust", "Photos show rust on the pipes.", "The parser is written in Rust."),
        ["react"] = ("react", "The warehouse can react to order events from Kafka.", "The frontend uses React."),
        ["elastic"] = ("elasticsearch", "We want elastic scaling on AWS.", "Search runs on Elastic with Kibana."),
        ["neon"] = ("neon", "The banner uses neon colours.", "The database is Neon, a hosted Postgres."),
        ["snowflake"] = ("snowflake", "Show a snowflake icon in winter.", "Analytics data lands in Snowflake."),
        ["remix"] = ("remix", "Users can remix the playlists.", "The web app is built with Remix."),
        ["solid"] = ("solidjs", "We need solid test coverage with Jest.", "The widget is written in Solid."),
        ["lit"] = ("lit", "The product photos are well lit.", "The design system ships web components in Lit."),
        ["nest"] = ("nestjs", "Nest the replies under each comment.", "The backend is built with Nest."),
        ["phoenix"] = ("phoenix", "Orders ship from the Phoenix warehouse.", "The realtime backend runs on Phoenix and Elixir."),
        ["gin"] = ("gin", "The bar menu lists gin and tonic.", "The Go service uses Gin for routing."),
        ["fiber"] = ("fiber", "Customers compare fiber broadband plans.", "The Go API is built on Fiber."),
        ["echo"] = ("echo", "The form should echo the input back.", "The Go service uses Echo."),
        ["rocket"] = ("rocket", "Add a rocket emoji to launch posts.", "The Rust backend runs on Rocket."),
        ["bun"] = ("bun", "The menu lists a burger bun option.", "Scripts run with Bun instead of Node.js."),
        ["unity"] = ("unity", "We value unity across the teams.", "The game client is made with Unity."),
        ["ruby"] = ("ruby", "Ask Ruby from support about refunds.", "Scripts are written in Ruby."),
        ["c"] = ("c", "Plan C is a manual fallback.", "The firmware is written in C."),
        ["dart"] = ("dart", "The pub has a dart board.", "The mobile app is written in Dart with Flutter."),
        ["r"] = ("r", "Press r to refresh the list.", "The statistics are done in R."),
        ["julia"] = ("julia", "Ask Julia from support about the refund.", "The models are written in Julia."),
        ["rollup"] = ("rollup", "Send a weekly rollup report by email.", "The library is bundled with Rollup."),
        ["clerk"] = ("clerk", "The store clerk prints the receipt.", "Sign-in is handled by Clerk."),
        ["segment"] = ("segment", "Target each customer segment with email.", "Events are sent to Segment."),
        ["sanity"] = ("sanity", "Run a sanity check before each release.", "Content lives in Sanity."),
        ["consul"] = ("consul", "The consul general visits in May.", "Services register with Consul."),
        ["railway"] = ("railway", "Show the railway station on the map.", "The app is hosted on Railway."),
        ["lambda"] = ("aws-lambda", "The logo uses the Greek letter lambda.", "Thumbnails are made in a Lambda on AWS."),
        ["lambdas"] = ("aws-lambda", "The font has greek lambdas.", "Jobs run as Lambdas behind API Gateway."),
        ["ember"] = ("ember", "The fire left a glowing ember.", "The old admin is an Ember app."),
        ["astro"] = ("astro", "The pitch has astro turf.", "The marketing site is built with Astro."),
        ["flask"] = ("flask", "Bring a thermos flask of coffee.", "The API is a small Flask app."),
        ["bottle"] = ("bottle", "Sell a water bottle with the logo.", "The admin tool is a Bottle app."),
        ["play"] = ("play-framework", "Add a play button to each video.", "The backend runs on Play with Scala."),
        ["swagger"] = ("openapi", "The mascot walks with a swagger.", "The API docs are served with Swagger."),
        ["maven"] = ("maven", "Our marketing maven writes the newsletter.", "The Java build uses Maven."),
        ["homebrew"] = ("homebrew", "The bar serves homebrew beer.", "Developers install the CLI with Homebrew."),
        ["rancher"] = ("rancher", "A rancher sells cattle on the marketplace.", "Clusters are managed in Rancher."),
        ["puppeteer"] = ("puppeteer", "The puppeteer performs at the fair.", "Screenshots are taken with Puppeteer."),
        ["solidity"] = ("solidity", "Reviewers check the solidity of the plan.", "The contracts are written in Solidity."),
        ["spinnaker"] = ("spinnaker", "The sailing shop sells a spinnaker for racing boats.", "Deployments run through Spinnaker."),
        ["grails"] = ("grails", "Collectors hunt rare grails at the fair.", "The old backend is a Grails app."),
        ["gatling"] = ("gatling", "The museum shows an old gatling gun.", "Load tests run on Gatling."),
        ["spacy"] = ("spacy", "The lounge has a spacy soundtrack.", "Entities are extracted with spaCy."),
        ["eleventy"] = ("eleventy", "Bilbo turns eleventy one at the party.", "The docs site is built with Eleventy."),
        ["backbone"] = ("backbone", "Postgres and Redis are the backbone of the platform.", "The old admin is a Backbone app."),
        ["spark"] = ("spark", "Small surprises spark joy in Stripe receipts.", "Batch jobs run on Spark."),
        ["postman"] = ("postman", "The postman delivers parcels to Shopify merchants.", "The API is tested with Postman."),
        ["airflow"] = ("airflow", "The server room needs good airflow for Docker hosts.", "Pipelines are scheduled in Airflow."),
    };

    public static TheoryData<string> Aliases => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Aliases))]
    public void An_english_word_alias_is_english_in_its_english_sentence(string alias)
    {
        var (canonical, english, _) = Cases[alias];
        Assert.DoesNotContain(Module(english).Tech, t => t.Canonical == canonical);
    }

    [Theory]
    [MemberData(nameof(Aliases))]
    public void An_english_word_alias_is_the_technology_where_it_is_named(string alias)
    {
        var (canonical, _, tech) = Cases[alias];
        Assert.Contains(Module(tech).Tech, t => t.Canonical == canonical);
    }

    [Fact]
    public void Every_english_word_alias_in_the_lexicon_has_its_cases()
    {
        var ambiguous = File.ReadLines(Path.Combine(Repository.Root, "src", "Grump.Hyper.Compiler", "Extraction", "Lexicon", "tech.txt"))
            .Where(l => l.Length > 0 && l[0] != '#')
            .SelectMany(l => l.Split('|')[2].Split(',', StringSplitOptions.TrimEntries))
            .Where(a => a.EndsWith('?')).Select(a => a.TrimEnd('?').ToLowerInvariant()).ToList();
        Assert.NotEmpty(ambiguous);
        Assert.DoesNotContain(ambiguous, a => !Cases.ContainsKey(a));
    }
}
