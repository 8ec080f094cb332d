package jujusim;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What {@code juju run} reports for one action task. */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class ActionOutcome {
  public String unit;
  public String action;
  public String id;
  /** completed or failed. */
  public String status;
  public String message = "";
  /** The action-set results plus return-code, stdout and stderr as Juju adds them. */
  public Map<String, Object> results = new TreeMap<>();
  /** Params as the action saw them (validated, defaults filled). */
  public Map<String, Object> params = new TreeMap<>();
  public List<String> logs = new ArrayList<>();
  public int exitCode;
  public String stdout = "";
  public String stderr = "";

  @Override
  public String toString() {
    return action + " on " + unit + ": " + status + (message.isEmpty() ? "" : " (" + message + ")");
  }
}
