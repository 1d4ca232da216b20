package io.github.azuremi.jdbc.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.members;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The public surface is what users need, and nothing in it leads into {@code io.github.azuremi.jdbc.internal},
 * which may change in any release.
 */
class ApiBoundaryTest {

    private static final String ROOT = "io.github.azuremi.jdbc";
    private static final String INTERNAL = "io.github.azuremi.jdbc.internal..";

    private static final JavaClasses LIBRARY = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

    /** The types of the API package itself: adding one is a decision, so it is listed here. */
    private static final Set<String> API_PACKAGE_TYPES = Set.of(
            "ManagedIdentityDataSource",
            "ManagedIdentityProperties",
            "CredentialType",
            "TokenListener",
            "TokenInfo",
            "TokenFetchFailure",
            "TokenUnavailableException",
            "TokenStatus");

    private static boolean isApiType(JavaClass c) {
        return c.getModifiers().contains(JavaModifier.PUBLIC)
                        && !c.getPackageName().startsWith(ROOT + ".internal")
                        && c.getPackageName().startsWith(ROOT)
                        && !c.isNestedClass()
                || isNestedApiType(c);
    }

    private static boolean isNestedApiType(JavaClass c) {
        return c.isNestedClass()
                && c.getModifiers().contains(JavaModifier.PUBLIC)
                && c.getEnclosingClass().map(ApiBoundaryTest::isApiType).orElse(false);
    }

    @Test
    void theApiPackageHoldsOnlyTheTypesUsersNeed() {
        Set<String> actual = LIBRARY.stream()
                .filter(c -> c.getPackageName().equals(ROOT)
                        && c.getModifiers().contains(JavaModifier.PUBLIC)
                        && !c.isNestedClass())
                .map(JavaClass::getSimpleName)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(actual).containsExactlyInAnyOrderElementsOf(API_PACKAGE_TYPES);
    }

    @Test
    void theEntryPointPackagesHoldOnlyEntryPoints() {
        Set<String> cli = publicTopLevelTypesIn(ROOT + ".cli");
        Set<String> jndi = publicTopLevelTypesIn(ROOT + ".jndi");
        Set<String> spring = publicTopLevelTypesIn(ROOT + ".spring");
        Set<String> plugin = publicTopLevelTypesIn(ROOT + ".plugin");
        Set<String> r2dbc = publicTopLevelTypesIn(ROOT + ".r2dbc");
        assertThat(cli).containsExactly("Main");
        assertThat(jndi).containsExactly("ManagedIdentityDataSourceFactory");
        assertThat(spring)
                .allMatch(name -> name.startsWith("ManagedIdentity"), "Spring types are named ManagedIdentity*");
        // one class per driver hook, named in JDBC URLs: renaming one breaks users' configuration; and the release call
        // for containers that do not run the library's ServletContainerInitializer (issue 16, row 3)
        assertThat(plugin)
                .containsExactlyInAnyOrder(
                        "PostgresAuthenticationPlugin",
                        "MysqlAuthenticationPlugin",
                        "MysqlNativePasswordAuthenticationPlugin",
                        "SqlServerAccessTokenCallback",
                        "SqlServerTokenDriver",
                        "DriverPlugins");
        // named in META-INF/services and found by R2DBC's discovery; users write only r2dbc:azuremi: URLs
        assertThat(r2dbc).containsExactly("ManagedIdentityConnectionFactoryProvider");
        int total = API_PACKAGE_TYPES.size() + cli.size() + jndi.size() + spring.size() + plugin.size() + r2dbc.size();
        assertThat(total).as("public types outside internal").isLessThanOrEqualTo(21);
    }

    @Test
    void noPublicSignatureOutsideInternalMentionsAnInternalType() {
        members()
                .that(new DescribedPredicate<JavaMember>("are public or protected members of API types") {
                    @Override
                    public boolean test(JavaMember m) {
                        return isApiType(m.getOwner())
                                && (m.getModifiers().contains(JavaModifier.PUBLIC)
                                        || m.getModifiers().contains(JavaModifier.PROTECTED));
                    }
                })
                .should(new ArchCondition<JavaMember>("not mention a type of " + INTERNAL) {
                    @Override
                    public void check(JavaMember member, ConditionEvents events) {
                        List<JavaClass> types = new ArrayList<>();
                        if (member instanceof JavaField f) {
                            types.add(f.getRawType());
                        }
                        if (member instanceof JavaCodeUnit code) {
                            types.add(code.getRawReturnType());
                            types.addAll(code.getRawParameterTypes());
                            types.addAll(code.getExceptionTypes());
                        }
                        for (JavaClass type : types) {
                            JavaClass base = type.isArray() ? type.getBaseComponentType() : type;
                            if (base.getPackageName().startsWith(ROOT + ".internal")) {
                                events.add(SimpleConditionEvent.violated(
                                        member, member.getFullName() + " exposes " + base.getName()));
                            }
                        }
                    }
                })
                .check(LIBRARY);
    }

    @Test
    void apiTypesDoNotExtendOrImplementInternalTypes() {
        for (JavaClass c : LIBRARY) {
            if (isApiType(c)) {
                assertThat(c.getAllRawSuperclasses())
                        .as(c.getName())
                        .noneMatch(s -> s.getPackageName().startsWith(ROOT + ".internal"));
                assertThat(c.getAllRawInterfaces())
                        .as(c.getName())
                        .noneMatch(s -> s.getPackageName().startsWith(ROOT + ".internal"));
            }
        }
    }

    @Test
    void internalsDoNotDependOnTheIntegrations() {
        noClasses()
                .that()
                .resideInAPackage(INTERNAL)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        ROOT + ".spring..", ROOT + ".jndi..", ROOT + ".cli..", ROOT + ".plugin..", ROOT + ".r2dbc..")
                .check(LIBRARY);
    }

    /**
     * R2DBC is optional: a JDBC application does not have it, so only the reactive packages may use it (and Reactor,
     * apart from azure-core's {@code TokenCredential.getToken}, which returns a Mono).
     */
    @Test
    void onlyTheReactivePackagesNeedR2dbc() {
        noClasses()
                .that()
                .resideOutsideOfPackages(ROOT + ".r2dbc..", ROOT + ".internal.r2dbc..")
                // Spring's view of the application's connection factories: only loaded by the R2DBC auto-configuration,
                // after its @ConditionalOnClass found R2DBC
                .and()
                .doNotHaveFullyQualifiedName(ROOT + ".spring.R2dbcTokenFactories")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.r2dbc..")
                .check(LIBRARY);
        noClasses()
                .that()
                .resideOutsideOfPackages(ROOT + ".r2dbc..", ROOT + ".internal.r2dbc..", ROOT + ".internal.credential..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("reactor..")
                .check(LIBRARY);
    }

    /** The servlet API is provided by a container: only the initializer that a container loads may refer to it. */
    @Test
    void onlyTheServletContainerInitializerNeedsTheServletApi() {
        noClasses()
                .that()
                .doNotHaveFullyQualifiedName("io.github.azuremi.jdbc.internal.compat.PluginReleaseInitializer")
                .and()
                .doNotHaveFullyQualifiedName("io.github.azuremi.jdbc.internal.compat.PluginReleaseInitializer$1")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("jakarta.servlet..")
                .check(LIBRARY);
        noClasses()
                .that()
                .resideOutsideOfPackage("io.github.azuremi.jdbc.internal.compat")
                .should()
                .dependOnClassesThat()
                .haveFullyQualifiedName("io.github.azuremi.jdbc.internal.compat.PluginReleaseInitializer")
                .check(LIBRARY);
    }

    private static Set<String> publicTopLevelTypesIn(String pkg) {
        return LIBRARY.stream()
                .filter(c -> c.getPackageName().equals(pkg)
                        && c.getModifiers().contains(JavaModifier.PUBLIC)
                        && !c.isNestedClass())
                .map(JavaClass::getSimpleName)
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
