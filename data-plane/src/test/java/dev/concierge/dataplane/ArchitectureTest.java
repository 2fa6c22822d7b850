package dev.concierge.dataplane;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.concierge.dataplane.chain.ErrorAnswers;
import dev.concierge.dataplane.chain.PlainText;
import org.junit.jupiter.api.Test;

/** The package layout of docs/architecture.md, checked on the compiled classes. */
class ArchitectureTest {
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.concierge.dataplane");

  @Test
  void hasNoPackageCycles() {
    // Every package is its own slice, the composition root included.
    slices().matching("dev.concierge.(**)").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void routingKnowsNoFeaturePackage() {
    noClasses()
        .that()
        .resideInAPackage("..dataplane.routing..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "..dataplane.buffering..",
            "..dataplane.upstream..",
            "..dataplane.transport..",
            "..dataplane.stats..",
            "..dataplane.cluster..",
            "..dataplane.admin..")
        .check(CLASSES);
  }

  @Test
  void transportsWriteNoAnswersOfTheirOwn() {
    // Decide, then carry: error answers are UpstreamHandler's.
    noClasses()
        .that()
        .resideInAPackage("..dataplane.transport..")
        .should()
        .dependOnClassesThat()
        .belongToAnyOf(ErrorAnswers.class, PlainText.class)
        .check(CLASSES);
  }

  @Test
  void nothingDependsOnTheCompositionRoot() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.concierge.dataplane")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.concierge.dataplane")
        .check(CLASSES);
  }
}
