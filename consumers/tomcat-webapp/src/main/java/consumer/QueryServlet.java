package consumer;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import javax.naming.InitialContext;
import javax.sql.DataSource;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/** Looks the resource of config/tomcat/context.xml up, as docs/tomcat-jndi.md shows, and queries through it. */
@WebServlet("/query")
public class QueryServlet extends HttpServlet {

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    response.setContentType("text/plain");
    try {
      DataSource ds = (DataSource) new InitialContext().lookup("java:comp/env/jdbc/app");
      try (Connection c = ds.getConnection(); Statement s = c.createStatement();
           ResultSet rs = s.executeQuery("SELECT current_user")) {
        rs.next();
        response.getWriter().println("OK " + rs.getString(1) + " via " + ds.getClass().getName() + " on "
            + getServletContext().getServerInfo() + ", Java " + Runtime.version().feature());
      }
    } catch (Exception e) {
      response.setStatus(500);
      response.getWriter().println("FAILED " + e);
    }
  }
}
