package io.github.azuremi.jdbc.internal;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Documents that a field is read and written only while holding the named lock, as in the Cloud SQL
 * connector (which uses Error Prone's annotation; this one avoids the dependency). Not checked by a tool:
 * the lock discipline of each class is written in its javadoc, and the model-checking tests check it.
 */
@Documented
@Retention(RetentionPolicy.SOURCE)
@Target({ElementType.FIELD, ElementType.METHOD})
public @interface GuardedBy {
  /** The lock: a field name, or {@code "this"}. */
  String value();
}
