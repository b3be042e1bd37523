using Grump.Hyper.Compiler.Modules;
using static Grump.Hyper.Compiler.Tests.TestSources;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// Each technology and feature a module mentions is wanted, negated (ruled out) or removed (in use today, to go),
/// and a removed technology names what replaces it when the text does. One rule per case, as a reader states it.
/// </summary>
public sealed class MentionStatusTests
{
    private static string Status(string body, string tech) => Module(body).Tech(tech).Status;

    [Theory]
    [InlineData("Retire Memcached.", "memcached")]
    [InlineData("Get rid of the Oracle dependency.", "oracle-db")]
    [InlineData("We are migrating away from MongoDB this quarter.", "mongodb")]
    [InlineData("Phase out Heroku by the summer.", "heroku")]
    [InlineData("Memcached is being retired.", "memcached")]
    [InlineData("Angular is deprecated here.", "angular")]
    [InlineData("Decommission the Cassandra cluster.", "cassandra")]
    public void A_technology_in_use_and_to_go_is_removed_not_wanted(string body, string tech)
    {
        var mention = Module(body).Tech(tech);
        Assert.Equal(MentionStatus.Removed, mention.Status);
        Assert.True(mention.Negated); // not part of the stack the module asks for
    }

    [Theory]
    [InlineData("Swap Angular for Svelte.", "angular", "svelte")]
    [InlineData("Replace Memcached with Redis for sessions.", "memcached", "redis")]
    [InlineData("Move the API off Heroku onto Fly.io.", "heroku", "fly.io")]
    [InlineData("Switch from MySQL to Postgres.", "mysql", "postgresql")]
    [InlineData("Memcached is being replaced by Redis.", "memcached", "redis")]
    [InlineData("Migrate from MongoDB to DynamoDB.", "mongodb", "dynamodb")]
    public void A_replacement_says_what_replaces_what(string body, string removed, string replacement)
    {
        var module = Module(body);
        Assert.Equal(MentionStatus.Removed, module.Tech(removed).Status);
        Assert.Equal(replacement, module.Tech(removed).ReplacedBy);
        Assert.Equal(MentionStatus.Wanted, module.Tech(replacement).Status);
        Assert.False(module.Tech(replacement).Negated);
    }

    [Theory]
    [InlineData("No Kafka.", "kafka", MentionStatus.Negated)]
    [InlineData("Don't retire Memcached yet.", "memcached", MentionStatus.Wanted)]
    [InlineData("Retire Memcached and move sessions to Redis.", "redis", MentionStatus.Wanted)]
    [InlineData("Use Redis for the cache.", "redis", MentionStatus.Wanted)]
    [InlineData("Never use Kafka. Retire Kafka.", "kafka", MentionStatus.Removed)]
    [InlineData("We can retire Memcached now.", "memcached", MentionStatus.Removed)]
    public void Negated_removed_and_wanted_are_told_apart(string body, string tech, string status) =>
        Assert.Equal(status, Status(body, tech));

    [Fact]
    public void A_removal_that_is_a_new_clause_names_no_replacement() =>
        Assert.Null(Module("Retire Memcached and move sessions to Redis.").Tech("memcached").ReplacedBy);

    [Fact]
    public void A_feature_being_removed_is_removed_with_a_removal_task()
    {
        var feature = Module("Retire the wishlist.").Feature("wishlist");
        Assert.Equal(MentionStatus.Removed, feature.Status);
        Assert.Equal("remove", feature.Action);
        Assert.True(feature.Negated);
        Assert.True(feature.Planned);
    }

    [Theory]
    [InlineData("Users can delete items from their wishlist.", "wishlist")]
    [InlineData("Admins may remove comments from the product reviews.", "reviews")]
    [InlineData("Customers can export their data and delete their account, as GDPR requires.", "gdpr-compliance")]
    [InlineData("Add drag and drop file uploads.", "file-upload")]
    [InlineData("Add drag and drop file uploads.", "drag-and-drop")]
    public void A_removal_word_users_perform_in_the_product_removes_nothing(string body, string feature) =>
        Assert.Equal(MentionStatus.Wanted, Module(body).Feature(feature).Status);

    [Fact]
    public void Replacing_technology_never_removes_a_feature() =>
        Assert.Equal(MentionStatus.Wanted, Module("Replace the search backend with Elasticsearch for full-text search.").Feature("full-text-search").Status);

    [Theory]
    [InlineData("Skip Cassandra and Neo4j. DynamoDB works.", "dynamodb", MentionStatus.Wanted)] // a negation ends with its sentence
    [InlineData("Skip Cassandra and Neo4j. DynamoDB works.", "neo4j", MentionStatus.Negated)]
    [InlineData("Cassandra is not to be used.", "cassandra", MentionStatus.Negated)] // passive and modal forms
    [InlineData("Kafka is banned here.", "kafka", MentionStatus.Negated)]
    [InlineData("GraphQL is out of scope.", "graphql", MentionStatus.Negated)]
    [InlineData("We will never ship on Heroku.", "heroku", MentionStatus.Negated)]
    [InlineData("Redis must not be used for sessions.", "redis", MentionStatus.Negated)]
    [InlineData("No bundler other than Vite.", "vite", MentionStatus.Wanted)] // an exception inside a negation keeps what follows
    [InlineData("No database apart from Postgres.", "postgresql", MentionStatus.Wanted)]
    [InlineData("Everything except Kafka is fine.", "kafka", MentionStatus.Negated)] // outside one, it rules out
    [InlineData("Not Gatsby but Astro.", "gatsby", MentionStatus.Negated)] // a contrast ends the negation
    [InlineData("Not Gatsby but Astro.", "astro", MentionStatus.Wanted)]
    [InlineData("Without Helm, using plain Kubernetes manifests.", "helm", MentionStatus.Negated)]
    [InlineData("Without Helm, using plain Kubernetes manifests.", "kubernetes", MentionStatus.Wanted)]
    [InlineData("There's no reason to avoid GraphQL.", "graphql", MentionStatus.Wanted)] // a double negative wants it
    [InlineData("Don't avoid Redis for caching.", "redis", MentionStatus.Wanted)]
    public void Negation_has_a_scope_a_reader_would_give_it(string body, string tech, string status) =>
        Assert.Equal(status, Status(body, tech));
}
