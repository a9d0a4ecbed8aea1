//! Staff sign-in on the platform host and their own account pages.

use crm_app::Services;
use crm_web::access::AccessRouter;
use crm_web::identity::{CentralArea, account, auth};

pub fn routes(router: AccessRouter<Services>) -> AccessRouter<Services> {
    account::routes::<CentralArea>(auth::routes::<CentralArea>(router))
}
